package dev.ctc4j.infer;

import java.util.Arrays;

/**
 * The recent part of a sample stream: appended at the end, dropped from the front, addressed by
 * position in the whole stream (so callers never shift their own indices). Not thread-safe.
 */
final class SampleBuffer {
  private float[] data = new float[4096];
  private long start; // stream position of data[0]
  private int size;

  /** Stream position of the first sample held. */
  long start() {
    return start;
  }

  /** Stream position after the last sample held. */
  long end() {
    return start + size;
  }

  void append(float[] samples, int count) {
    if (size + count > data.length) data = Arrays.copyOf(data, Math.max(size + count, 2 * data.length));
    System.arraycopy(samples, 0, data, size, count);
    size += count;
  }

  /** The sample at stream position {@code position}, which must be held. */
  float get(long position) {
    return data[index(position)];
  }

  /** A copy of stream positions [from, to), which must be held. */
  float[] copy(long from, long to) {
    return Arrays.copyOfRange(data, index(from), index(to));
  }

  /** Forgets the samples before stream position {@code position}. */
  void dropBefore(long position) {
    int drop = (int) Math.min(size, position - start);
    if (drop <= 0) return;
    System.arraycopy(data, drop, data, 0, size - drop);
    size -= drop;
    start += drop;
  }

  private int index(long position) {
    if (position < start || position > end()) {
      throw new IndexOutOfBoundsException("position " + position + " outside [" + start + ", " + end() + "]");
    }
    return (int) (position - start);
  }
}
