package dev.ctc4j.features;

import dev.ctc4j.tensor.Tensor;

/**
 * A batch of log-mel features: {@code values} is [batch, n_mels, maxFrames] with utterance b's
 * frames in [0, frames[b]) and zeros after. Owns the tensor; close it.
 */
public record Features(Tensor values, long[] frames) implements AutoCloseable {
  public int batch() {
    return frames.length;
  }

  public int nMels() {
    return (int) values.dim(1);
  }

  public long maxFrames() {
    return values.dim(2);
  }

  /** Utterance b as [n_mels][frames[b]] on the host. */
  public float[][] utterance(int b) {
    float[] all = values.toFloatArray();
    int mels = nMels();
    long stride = maxFrames();
    int n = Math.toIntExact(frames[b]);
    float[][] out = new float[mels][n];
    for (int m = 0; m < mels; m++) {
      System.arraycopy(all, Math.toIntExact((b * (long) mels + m) * stride), out[m], 0, n);
    }
    return out;
  }

  @Override
  public void close() {
    values.close();
  }
}
