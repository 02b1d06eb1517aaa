package dev.ctc4j.audio;

import java.util.SplittableRandom;

/**
 * Generated test audio: per-channel sums of tones, whose ideal 16 kHz mono version is known in
 * closed form (the mean over channels of the same tones sampled at 16 kHz), so resampling is
 * checked against mathematics rather than against another resampler.
 */
final class TestSignals {
  private TestSignals() {}

  /** Tone frequencies (Hz) and amplitudes for one channel; all well inside 16 kHz's passband. */
  record Tones(double[] hz, double[] amplitude, double[] phase) {
    double at(double seconds) {
      double sum = 0;
      for (int i = 0; i < hz.length; i++) sum += amplitude[i] * Math.sin(2 * Math.PI * hz[i] * seconds + phase[i]);
      return sum;
    }

    /**
     * 2-4 random tones between 100 Hz and 3.5 kHz (at most 0.35 of the source rate, inside every
     * resampling filter's passband), peak at most 0.8.
     */
    static Tones random(SplittableRandom rng, int sampleRate) {
      double maxHz = Math.min(3500, 0.35 * sampleRate);
      int n = 2 + rng.nextInt(3);
      double[] hz = new double[n], amplitude = new double[n], phase = new double[n];
      for (int i = 0; i < n; i++) {
        hz[i] = 100 + rng.nextDouble() * (maxHz - 100);
        amplitude[i] = 0.8 / n * (0.3 + 0.7 * rng.nextDouble());
        phase[i] = rng.nextDouble() * 2 * Math.PI;
      }
      return new Tones(hz, amplitude, phase);
    }
  }

  static Tones[] randomTones(SplittableRandom rng, int channels, int sampleRate) {
    Tones[] tones = new Tones[channels];
    for (int c = 0; c < channels; c++) tones[c] = Tones.random(rng, sampleRate);
    return tones;
  }

  /** Interleaved samples of {@code tones} at {@code sampleRate}. */
  static float[] interleaved(Tones[] tones, int sampleRate, int frames) {
    float[] out = new float[frames * tones.length];
    for (int i = 0; i < frames; i++) {
      for (int c = 0; c < tones.length; c++) out[i * tones.length + c] = (float) tones[c].at(i / (double) sampleRate);
    }
    return out;
  }

  /** The ideal result of decoding: the channel mean at 16 kHz. */
  static double[] expectedMono16k(Tones[] tones, int frames) {
    double[] out = new double[frames];
    for (int i = 0; i < frames; i++) {
      double t = i / (double) Audio.SAMPLE_RATE;
      for (Tones channel : tones) out[i] += channel.at(t) / tones.length;
    }
    return out;
  }

  /** Random 16-bit samples over the full range, including both extremes. */
  static short[] randomPcm16(SplittableRandom rng, int n) {
    short[] out = new short[n];
    for (int i = 0; i < n; i++) out[i] = (short) rng.nextInt(-32768, 32768);
    if (n > 1) {
      out[0] = Short.MIN_VALUE;
      out[1] = Short.MAX_VALUE;
    }
    return out;
  }

  /** Samples at each end where swresample's filter sees its zero padding instead of signal. */
  static final int RESAMPLER_EDGE = 32;

  /** The largest |actual - expected| away from the resampler's edges. */
  static double maxInteriorError(float[] actual, double[] expected) {
    double max = 0;
    for (int i = RESAMPLER_EDGE; i < actual.length - RESAMPLER_EDGE; i++) {
      max = Math.max(max, Math.abs(actual[i] - expected[i]));
    }
    return max;
  }

  /** Normalised correlation at lag 0 away from the edges: 1 for a perfectly aligned copy. */
  static double correlation(float[] actual, double[] expected) {
    double xy = 0, xx = 0, yy = 0;
    for (int i = RESAMPLER_EDGE; i < Math.min(actual.length, expected.length) - RESAMPLER_EDGE; i++) {
      xy += actual[i] * expected[i];
      xx += actual[i] * (double) actual[i];
      yy += expected[i] * expected[i];
    }
    return xy / Math.sqrt(xx * yy);
  }

  /** The exact length of {@code frames} at {@code sampleRate} once converted to 16 kHz. */
  static double resampledLength(int frames, int sampleRate) {
    return frames * (double) Audio.SAMPLE_RATE / sampleRate;
  }

  /**
   * swresample emits {@link #resampledLength} rounded up or down (the last output sample only when
   * its filter position falls inside the input); anything else is a lost or invented sample.
   */
  static void assertResampledLength(int frames, int sampleRate, int actual) {
    double exact = resampledLength(frames, sampleRate);
    if (actual < Math.floor(exact) || actual > Math.ceil(exact)) {
      throw new AssertionError("length " + actual + ", expected " + exact + " rounded either way");
    }
  }
}
