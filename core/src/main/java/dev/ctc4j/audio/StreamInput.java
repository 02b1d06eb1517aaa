package dev.ctc4j.audio;

import static org.bytedeco.ffmpeg.global.avformat.avio_alloc_context;
import static org.bytedeco.ffmpeg.global.avformat.avio_context_free;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EXTERNAL;
import static org.bytedeco.ffmpeg.global.avutil.av_free;
import static org.bytedeco.ffmpeg.global.avutil.av_malloc;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.ffmpeg.avformat.AVIOContext;
import org.bytedeco.ffmpeg.avformat.Read_packet_Pointer_BytePointer_int;
import org.bytedeco.ffmpeg.avformat.Seek_Pointer_long_int;
import org.bytedeco.ffmpeg.avformat.Write_packet_Pointer_BytePointer_int;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;

/**
 * An FFmpeg AVIOContext that reads a Java InputStream (forward only, no seeking). All instances
 * share one native read callback (JavaCPP limits live callback thunks per class); FFmpeg's opaque
 * pointer carries a key into {@link #OPEN}.
 */
final class StreamInput implements AutoCloseable {
  private static final int BUFFER_BYTES = 64 * 1024;
  private static final Map<Long, StreamInput> OPEN = new ConcurrentHashMap<>();
  private static final AtomicLong NEXT_KEY = new AtomicLong(1);
  private static final Read_packet_Pointer_BytePointer_int READ = new Read_packet_Pointer_BytePointer_int() {
    @Override
    public int call(Pointer opaque, BytePointer buffer, int size) {
      StreamInput input = OPEN.get(opaque.address());
      return input == null ? AVERROR_EOF : input.read(buffer, size);
    }
  };

  private final InputStream in;
  private final Key key = new Key(NEXT_KEY.getAndIncrement());
  private final byte[] chunk = new byte[BUFFER_BYTES];
  private AVIOContext context;
  private long bytesRead;
  private IOException failure;

  StreamInput(InputStream in) {
    FFmpeg.init();
    this.in = in;
    OPEN.put(key.address(), this);
    BytePointer buffer = new BytePointer(av_malloc(BUFFER_BYTES));
    context = avio_alloc_context(buffer, BUFFER_BYTES, 0, key, READ,
        (Write_packet_Pointer_BytePointer_int) null, (Seek_Pointer_long_int) null);
    if (context == null || context.isNull()) {
      av_free(buffer);
      OPEN.remove(key.address());
      throw new OutOfMemoryError("cannot allocate an FFmpeg I/O context");
    }
  }

  AVIOContext context() {
    return context;
  }

  long bytesRead() {
    return bytesRead;
  }

  /** Rethrows an I/O error the stream raised inside FFmpeg's read callback, if any. */
  void rethrowFailure(String source) {
    if (failure != null) throw new UncheckedIOException("reading " + source, failure);
  }

  private int read(BytePointer buffer, int size) {
    try {
      int n = in.read(chunk, 0, Math.min(size, chunk.length));
      if (n <= 0) return AVERROR_EOF;
      buffer.position(0).put(chunk, 0, n);
      bytesRead += n;
      return n;
    } catch (IOException e) {
      failure = e;
      return AVERROR_EXTERNAL;
    } catch (RuntimeException e) {
      failure = new IOException(e);
      return AVERROR_EXTERNAL;
    }
  }

  @Override
  public void close() {
    OPEN.remove(key.address());
    if (context != null) {
      // FFmpeg may have replaced the buffer we gave it; free whichever it holds now.
      av_free(context.buffer());
      avio_context_free(context);
      context = null;
    }
  }

  /** A pointer whose address is only a lookup key, never dereferenced. */
  private static final class Key extends Pointer {
    Key(long value) {
      address = value;
    }
  }
}
