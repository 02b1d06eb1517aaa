package dev.ctc4j.serve;

import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Encoded audio chunks (e.g. WebM/Opus from a browser's MediaRecorder) arriving over a socket,
 * read as one continuous stream by a decoder thread. A bounded queue pushes back on the socket
 * when decoding falls behind; {@link #abort} frees a blocked writer and reader alike.
 */
final class EncodedAudioPipe extends InputStream {
  private static final byte[] END = new byte[0];
  private static final int MAX_QUEUED_CHUNKS = 64;

  private final BlockingQueue<byte[]> chunks = new ArrayBlockingQueue<>(MAX_QUEUED_CHUNKS);
  private volatile boolean aborted;
  private byte[] current = new byte[0];
  private int position;
  private boolean ended;

  /** Queues a copy of the chunk, waiting while the queue is full; dropped after {@link #abort}. */
  void write(byte[] data, int offset, int length) throws InterruptedException {
    if (!aborted) chunks.put(Arrays.copyOfRange(data, offset, offset + length));
  }

  /** The input is complete: the reader sees the end after the queued chunks. */
  void end() throws InterruptedException {
    if (!aborted) chunks.put(END);
  }

  /** Discards what is queued and ends the stream now. */
  void abort() {
    aborted = true;
    chunks.clear();
    chunks.offer(END);
  }

  @Override
  public int read() throws InterruptedIOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws InterruptedIOException {
    if (length == 0) return 0;
    while (position == current.length) {
      if (ended) return -1;
      try {
        current = chunks.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting for audio");
      }
      position = 0;
      ended = current == END;
    }
    int n = Math.min(length, current.length - position);
    System.arraycopy(current, position, buffer, offset, n);
    position += n;
    return n;
  }
}
