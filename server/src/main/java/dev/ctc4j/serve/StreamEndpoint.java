package dev.ctc4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ctc4j.InvalidInputException;
import dev.ctc4j.audio.Audio;
import dev.ctc4j.audio.AudioReader;
import dev.ctc4j.infer.StreamingOptions;
import dev.ctc4j.infer.Transcriber;
import io.javalin.websocket.WsBinaryMessageContext;
import io.javalin.websocket.WsCloseContext;
import io.javalin.websocket.WsConfig;
import io.javalin.websocket.WsConnectContext;
import io.javalin.websocket.WsErrorContext;
import io.javalin.websocket.WsMessageContext;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.api.StatusCode;

/**
 * {@code GET /v1/stream}: a WebSocket per live stream. Binary frames carry the audio, as raw
 * s16le mono PCM at {@code ?rate=} Hz (default 16000; frames of whole samples), or with
 * {@code ?format=encoded} as consecutive chunks of one encoded stream FFmpeg can decode (WebM/Opus
 * from MediaRecorder, Ogg, FLAC...). The server pushes {@code {"type": "partial"|"final", ...}} as
 * results arrive; the text message {@code {"type": "end"}} ends the input, and the server answers
 * with the final result and closes the socket.
 */
final class StreamEndpoint {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Samples per chunk handed from an encoded stream's decoder to the recognizer (100 ms). */
  private static final int DECODED_CHUNK = Audio.SAMPLE_RATE / 10;

  private final Transcriber transcriber;
  private final ServerSettings settings;
  private final ServiceMetrics metrics;
  private final Map<String, Connection> open = new ConcurrentHashMap<>();
  private final ExecutorService decoders = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "ctc4j-stream-decoder");
    t.setDaemon(true);
    return t;
  });
  private volatile boolean closing;

  /** A socket's stream and, for encoded input, the pipe its decoder thread reads. */
  private record Connection(LiveStream stream, int sampleRate, EncodedAudioPipe pipe) {}

  StreamEndpoint(Transcriber transcriber, ServerSettings settings, ServiceMetrics metrics) {
    this.transcriber = transcriber;
    this.settings = settings;
    this.metrics = metrics;
  }

  int liveStreams() {
    return open.size();
  }

  void configure(WsConfig ws) {
    ws.onConnect(this::connect);
    ws.onBinaryMessage(this::audio);
    ws.onMessage(this::control);
    ws.onClose(this::closed);
    ws.onError(this::failed);
  }

  private void connect(WsConnectContext ctx) {
    if (closing) {
      ctx.closeSession(StatusCode.SHUTDOWN, "the server is shutting down");
      return;
    }
    if (open.size() >= settings.maxStreams()) {
      ctx.closeSession(StatusCode.TRY_AGAIN_LATER, "all " + settings.maxStreams() + " stream slots are busy");
      return;
    }
    String format = ctx.queryParam("format") == null ? "pcm" : ctx.queryParam("format");
    int rate;
    try {
      if (!format.equals("pcm") && !format.equals("encoded")) {
        throw new InvalidInputException("format must be pcm or encoded, got " + format);
      }
      rate = sampleRate(ctx.queryParam("rate"));
    } catch (InvalidInputException e) {
      ctx.closeSession(StatusCode.POLICY_VIOLATION, e.getMessage());
      return;
    }
    LiveStream stream = new LiveStream(ctx, transcriber.newStream(StreamingOptions.defaults()), metrics);
    EncodedAudioPipe pipe = format.equals("encoded") ? new EncodedAudioPipe() : null;
    open.put(ctx.sessionId(), new Connection(stream, rate, pipe));
    if (pipe != null) decoders.execute(() -> decode(pipe, stream));
  }

  /** The {@code ?rate=} query parameter (null: absent); a typed error for anything but a usable rate. */
  static int sampleRate(String rate) {
    if (rate == null) return Audio.SAMPLE_RATE;
    try {
      int value = Integer.parseInt(rate);
      if (value < 1000 || value > 384_000) throw new NumberFormatException();
      return value;
    } catch (NumberFormatException e) {
      throw new InvalidInputException("rate must be a sample rate in Hz between 1000 and 384000, got " + rate);
    }
  }

  private void audio(WsBinaryMessageContext ctx) throws InterruptedException {
    Connection c = open.get(ctx.sessionId());
    if (c == null) return;
    if (c.pipe() != null) {
      c.pipe().write(ctx.data(), ctx.offset(), ctx.length());
      return;
    }
    if (ctx.length() % 2 != 0) {
      c.stream().fail(new InvalidInputException("a PCM frame of " + ctx.length() + " bytes is not whole 16-bit samples"));
      return;
    }
    short[] pcm = new short[ctx.length() / 2];
    ByteBuffer.wrap(ctx.data(), ctx.offset(), ctx.length()).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(pcm);
    try {
      c.stream().accept(pcm, c.sampleRate());
    } catch (RuntimeException e) {
      c.stream().fail(e);
    }
  }

  private void control(WsMessageContext ctx) throws InterruptedException {
    Connection c = open.get(ctx.sessionId());
    if (c == null) return;
    if (!isEnd(ctx.message())) {
      c.stream().fail(new InvalidInputException("unknown message " + ctx.message() + ": send {\"type\":\"end\"}"));
    } else if (c.pipe() != null) {
      c.pipe().end(); // the decoder thread finishes the stream after the queued audio
    } else {
      c.stream().finish(StatusCode.NORMAL, "end of stream");
    }
  }

  /** Whether a text frame is the control message {@code {"type":"end"}}; never throws. */
  static boolean isEnd(String message) {
    try {
      JsonNode node = JSON.readTree(message);
      return node != null && "end".equals(node.path("type").asText());
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      return false;
    }
  }

  /** The decoder thread of an encoded stream: FFmpeg reads the pipe, the recognizer takes 16 kHz chunks. */
  private static void decode(EncodedAudioPipe pipe, LiveStream stream) {
    try (AudioReader reader = AudioReader.open(pipe, "stream")) {
      float[] chunk = new float[DECODED_CHUNK];
      for (int n; (n = reader.read(chunk)) >= 0; ) stream.accept(Arrays.copyOf(chunk, n), Audio.SAMPLE_RATE);
      stream.finish(StatusCode.NORMAL, "end of stream");
    } catch (RuntimeException e) {
      stream.fail(e);
    } finally {
      pipe.abort();
    }
  }

  private void closed(WsCloseContext ctx) {
    release(ctx.sessionId());
  }

  private void failed(WsErrorContext ctx) {
    release(ctx.sessionId());
  }

  /**
   * Releases the stream before aborting its pipe: an aborted pipe reads as the end of the audio, and
   * a decoder thread that saw it first finished the stream of a client that had gone (counted in
   * the metrics as a transcribed stream).
   */
  private void release(String sessionId) {
    Connection c = open.remove(sessionId);
    if (c == null) return;
    c.stream().release();
    if (c.pipe() != null) c.pipe().abort();
  }

  /**
   * Refuses new streams, then sends every open stream its final result and closes it with 1001
   * (going away); waits up to {@code timeoutNanos} for the decoder threads.
   */
  void shutdown(long timeoutNanos) throws InterruptedException {
    closing = true;
    for (Connection c : open.values()) c.stream().finish(StatusCode.SHUTDOWN, "the server is shutting down");
    decoders.shutdown();
    decoders.awaitTermination(timeoutNanos, TimeUnit.NANOSECONDS);
  }
}
