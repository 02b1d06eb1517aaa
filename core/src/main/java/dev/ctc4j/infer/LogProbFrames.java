package dev.ctc4j.infer;

import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import java.util.Arrays;

/**
 * Per-frame log-probabilities [frames][classes] on the Java heap, growable at the end and
 * trimmable at the front: what the model emitted for a stretch of audio, small next to the audio
 * itself (29 classes at 50 frames a second is 21 MB an hour). Not thread-safe.
 */
final class LogProbFrames {
  private final int classes;
  private float[] data;
  private int frames;

  LogProbFrames(int classes) {
    this(classes, new float[16 * classes], 0);
  }

  private LogProbFrames(int classes, float[] data, int frames) {
    this.classes = classes;
    this.data = data;
    this.frames = frames;
  }

  /** Frames [from, to) of a row-major [*, classes] array. */
  static LogProbFrames copyOf(float[] values, int classes, int from, int to) {
    return new LogProbFrames(classes, Arrays.copyOfRange(values, from * classes, to * classes), to - from);
  }

  int frames() {
    return frames;
  }

  int classes() {
    return classes;
  }

  /** Appends frames [from, to) of {@code other}. */
  void append(LogProbFrames other, int from, int to) {
    int count = Math.max(0, Math.min(to, other.frames) - Math.max(0, from));
    if (count == 0) return;
    reserve(count);
    System.arraycopy(other.data, Math.max(0, from) * classes, data, frames * classes, count * classes);
    frames += count;
  }

  void append(LogProbFrames other) {
    append(other, 0, other.frames);
  }

  /** Drops the first {@code count} frames. */
  void dropFirst(int count) {
    count = Math.min(count, frames);
    System.arraycopy(data, count * classes, data, 0, (frames - count) * classes);
    frames -= count;
  }

  void clear() {
    frames = 0;
  }

  /** The most probable class of frame t. */
  int argmax(int t) {
    int best = 0;
    int base = t * classes;
    for (int c = 1; c < classes; c++) if (data[base + c] > data[base + best]) best = c;
    return best;
  }

  /** The log-probability of class c at frame t. */
  float value(int t, int c) {
    return data[t * classes + c];
  }

  /** A [1, frames, classes] tensor on the CPU, as the decoders take a batch of one. */
  Tensor toTensor() {
    return Tensor.of(Device.CPU, Arrays.copyOf(data, frames * classes), 1, frames, classes);
  }

  /** A copy of frames [from, to) as a row-major array. */
  float[] values(int from, int to) {
    return Arrays.copyOfRange(data, from * classes, to * classes);
  }

  private void reserve(int count) {
    int needed = (frames + count) * classes;
    if (needed > data.length) data = Arrays.copyOf(data, Math.max(needed, 2 * data.length));
  }
}
