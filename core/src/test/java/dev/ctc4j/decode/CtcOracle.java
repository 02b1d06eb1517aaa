package dev.ctc4j.decode;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Brute-force references for decoding tests, in double precision. */
final class CtcOracle {
  private CtcOracle() {}

  /** ln P(labels | emissions): the CTC forward algorithm, summing over every alignment. */
  static double logProb(float[][] lp, int[] labels, int blank) {
    int states = 2 * labels.length + 1;
    double[] alpha = new double[states];
    java.util.Arrays.fill(alpha, Double.NEGATIVE_INFINITY);
    if (lp.length == 0) return labels.length == 0 ? 0 : Double.NEGATIVE_INFINITY;
    alpha[0] = lp[0][blank];
    if (labels.length > 0) alpha[1] = lp[0][labels[0]];
    for (int t = 1; t < lp.length; t++) {
      double[] next = new double[states];
      for (int s = 0; s < states; s++) {
        int label = s % 2 == 0 ? blank : labels[s / 2];
        double a = alpha[s];
        if (s >= 1) a = logAdd(a, alpha[s - 1]);
        if (s >= 2 && s % 2 == 1 && labels[s / 2] != labels[s / 2 - 1]) a = logAdd(a, alpha[s - 2]);
        next[s] = a + lp[t][label];
      }
      alpha = next;
    }
    return states == 1 ? alpha[0] : logAdd(alpha[states - 1], alpha[states - 2]);
  }

  /** Every label sequence of length 0..maxLength over the non-blank classes. */
  static List<int[]> allSequences(int classes, int blank, int maxLength) {
    List<int[]> out = new ArrayList<>();
    out.add(new int[0]);
    for (int from = 0, length = 1; length <= maxLength; length++) {
      int to = out.size();
      for (int i = from; i < to; i++) {
        for (int c = 0; c < classes; c++) {
          if (c == blank) continue;
          int[] longer = java.util.Arrays.copyOf(out.get(i), length);
          longer[length - 1] = c;
          out.add(longer);
        }
      }
      from = to;
    }
    return out;
  }

  static double logAdd(double a, double b) {
    if (a < b) return logAdd(b, a);
    return b == Double.NEGATIVE_INFINITY ? a : a + Math.log1p(Math.exp(b - a));
  }

  /** Random log-softmax rows [frames][classes]; `peak` sharpens them (0 = flat-ish). */
  static float[][] randomLogProbs(SplittableRandom rng, int frames, int classes, double peak) {
    float[][] out = new float[frames][classes];
    for (int t = 0; t < frames; t++) {
      double[] z = new double[classes];
      int hot = rng.nextInt(classes);
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < classes; c++) {
        z[c] = dev.ctc4j.testing.Seeds.nextGaussian(rng) + (c == hot ? peak : 0);
        max = Math.max(max, z[c]);
      }
      double sum = 0;
      for (double v : z) sum += Math.exp(v - max);
      for (int c = 0; c < classes; c++) out[t][c] = (float) (z[c] - max - Math.log(sum));
    }
    return out;
  }

  static String text(int[] tokens, Labels labels) {
    StringBuilder sb = new StringBuilder();
    for (int t : tokens) sb.append(labels.text(t));
    return sb.toString();
  }
}
