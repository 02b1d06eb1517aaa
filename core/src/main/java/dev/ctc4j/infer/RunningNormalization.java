package dev.ctc4j.infer;

import dev.ctc4j.features.Normalization;
import java.util.Arrays;

/**
 * Causal stand-in for the front end's per-utterance normalisation: each frame is normalised with
 * the mean and (unbiased std + 1e-5) of all frames of the stream so far, itself included (per mel
 * bin for PER_FEATURE, over all values for PER_UTTERANCE). The first {@link #WARMUP_FRAMES} frames
 * are held back and normalised together once that many have arrived (or at the end), so the
 * earliest frames are not normalised by a handful of values; that delays the stream's first output
 * by half a second, once. Offline normalisation uses the whole utterance's statistics instead, so
 * normalised streaming features differ from offline ones.
 */
final class RunningNormalization {
  static final int WARMUP_FRAMES = 50;

  private final Normalization mode;
  private final int mels;
  private final double[] sum;
  private final double[] sumSquares;
  private long count;
  private float[] held = new float[0];
  private int heldFrames;

  RunningNormalization(Normalization mode, int mels) {
    this.mode = mode;
    this.mels = mels;
    int groups = mode == Normalization.PER_FEATURE ? mels : 1;
    this.sum = new double[groups];
    this.sumSquares = new double[groups];
  }

  /** Frame-major frames in; the frames ready to use out (normalised in place where released at once). */
  StreamingFeatures.Frames apply(StreamingFeatures.Frames f) {
    if (mode == Normalization.NONE) return f;
    if (count < WARMUP_FRAMES) { // warming up: hold, then normalise all held frames with their joint statistics
      accumulate(f.values(), 0, f.count());
      hold(f);
      return count >= WARMUP_FRAMES ? releaseHeld() : StreamingFeatures.Frames.NONE;
    }
    float[] x = f.values();
    for (int t = 0; t < f.count(); t++) {
      accumulate(x, t, t + 1);
      normalise(x, t, t + 1);
    }
    return f;
  }

  /** At the end of the stream: {@code last} followed by any frames still held. */
  StreamingFeatures.Frames finish(StreamingFeatures.Frames last) {
    if (heldFrames == 0) return last;
    StreamingFeatures.Frames rest = releaseHeld();
    float[] both = Arrays.copyOf(last.values(), (last.count() + rest.count()) * mels);
    System.arraycopy(rest.values(), 0, both, last.count() * mels, rest.count() * mels);
    return new StreamingFeatures.Frames(both, last.count() + rest.count());
  }

  private void hold(StreamingFeatures.Frames f) {
    held = Arrays.copyOf(held, (heldFrames + f.count()) * mels);
    System.arraycopy(f.values(), 0, held, heldFrames * mels, f.count() * mels);
    heldFrames += f.count();
  }

  private StreamingFeatures.Frames releaseHeld() {
    normalise(held, 0, heldFrames);
    StreamingFeatures.Frames out = new StreamingFeatures.Frames(held, heldFrames);
    held = new float[0];
    heldFrames = 0;
    return out;
  }

  private void accumulate(float[] x, int from, int to) {
    for (int t = from; t < to; t++) {
      for (int m = 0; m < mels; m++) {
        double v = x[t * mels + m];
        int g = sum.length == 1 ? 0 : m;
        sum[g] += v;
        sumSquares[g] += v * v;
      }
    }
    count += to - from;
  }

  /** As the native front end's normalisation_stats: mean and 1 / (unbiased std + 1e-5). */
  private void normalise(float[] x, int from, int to) {
    long n = sum.length == 1 ? count * mels : count;
    for (int g = 0; g < sum.length; g++) {
      double mean = sum[g] / n;
      double variance = n > 1 ? (sumSquares[g] - sum[g] * mean) / (n - 1) : 0;
      float m = (float) mean;
      float inverseStd = (float) (1 / (Math.sqrt(Math.max(variance, 0)) + 1e-5));
      for (int t = from; t < to; t++) {
        if (sum.length == 1) {
          for (int k = 0; k < mels; k++) x[t * mels + k] = (x[t * mels + k] - m) * inverseStd;
        } else {
          x[t * mels + g] = (x[t * mels + g] - m) * inverseStd;
        }
      }
    }
  }
}
