package dev.ctc4j.infer;

/**
 * Finds pauses in one audio stream by frame energy (mean square in dB, digital silence at -100 dB).
 * A frame is quiet when its energy is under both 6 dB over the stream's noise floor (the 10th
 * percentile of the frames seen so far) and 35 dB under its peak (99th percentile): the second
 * keeps a floor of digital silence from hiding a quieter room. A pause is a run of at least
 * {@code minFrames} quiet frames. Statistics grow with the stream, so a stretch is judged by the
 * same levels whichever chunk it falls in. One instance per stream; not thread-safe.
 */
final class Pauses {
  /** Quiet frames [start, end). */
  record Run(int start, int end) {}

  private static final double FLOOR_DB = -100;
  private static final double BIN_DB = 0.5;

  private final int frameSamples;
  private final int minFrames;
  private final long[] histogram = new long[(int) (-FLOOR_DB / BIN_DB) + 1]; // energies -100 .. 0 dB
  private long seen; // frames of the stream counted so far
  private long total;

  Pauses(int frameSamples, int minFrames) {
    this.frameSamples = frameSamples;
    this.minFrames = minFrames;
  }

  /**
   * Which whole frames of samples [0, length) are quiet; {@code firstFrame} is the stream's frame
   * index of sample 0 (frames already seen are not counted again).
   */
  boolean[] quietFrames(float[] samples, int length, long firstFrame) {
    int frames = length / frameSamples;
    double[] db = new double[frames];
    for (int f = 0; f < frames; f++) {
      double sum = 0;
      for (int i = f * frameSamples; i < (f + 1) * frameSamples; i++) sum += samples[i] * (double) samples[i];
      db[f] = Math.max(FLOOR_DB, Math.min(0, 10 * Math.log10(sum / frameSamples + 1e-10)));
      if (firstFrame + f >= seen) {
        histogram[(int) ((db[f] - FLOOR_DB) / BIN_DB)]++;
        seen = firstFrame + f + 1;
        total++;
      }
    }
    double threshold = Math.max(percentile(0.10) + 6, percentile(0.99) - 35);
    boolean[] quiet = new boolean[frames];
    for (int f = 0; f < frames; f++) quiet[f] = db[f] < threshold;
    return quiet;
  }

  /** The quiet frames at the start. */
  static int leadingQuiet(boolean[] quiet) {
    int n = 0;
    while (n < quiet.length && quiet[n]) n++;
    return n;
  }

  /** The first pause starting after a loud frame at {@code from} or later, or null. */
  Run first(boolean[] quiet, int from) {
    for (int f = Math.max(from, 1); f < quiet.length; f++) {
      if (!quiet[f] || quiet[f - 1]) continue;
      int end = f;
      while (end < quiet.length && quiet[end]) end++;
      if (end - f >= minFrames) return new Run(f, end);
      f = end;
    }
    return null;
  }

  /** The energy (dB, bin's upper edge) below which a fraction p of the frames seen lie. */
  private double percentile(double p) {
    long rank = (long) Math.floor(p * Math.max(0, total - 1));
    long below = 0;
    for (int b = 0; b < histogram.length; b++) {
      below += histogram[b];
      if (below > rank) return FLOOR_DB + (b + 1) * BIN_DB;
    }
    return 0;
  }
}
