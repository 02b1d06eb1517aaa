package dev.ctc4j.ctc;

import java.util.Arrays;

/** Every frame-level label path of a tiny utterance, enumerated: the CTC quantities by definition. */
final class BruteForce {
  double logLikelihood;
  double bestLogProb = Double.NEGATIVE_INFINITY;
  double[][] posteriors;

  static BruteForce of(double[][] lp, int[] targets, int blank) {
    int frames = lp.length, classes = lp.length == 0 ? 0 : lp[0].length;
    BruteForce r = new BruteForce();
    r.posteriors = new double[frames][2 * targets.length + 1];
    double total = 0;
    int[] path = new int[frames];
    for (long code = 0; code < Math.round(Math.pow(classes, frames)); code++) {
      long rest = code;
      for (int t = 0; t < frames; t++, rest /= classes) path[t] = (int) (rest % classes);
      int[] states = states(path, targets, blank);
      if (states == null) continue;
      double logProb = 0;
      for (int t = 0; t < frames; t++) logProb += lp[t][path[t]];
      double p = Math.exp(logProb);
      total += p;
      r.bestLogProb = Math.max(r.bestLogProb, logProb);
      for (int t = 0; t < frames; t++) r.posteriors[t][states[t]] += p;
    }
    for (double[] row : r.posteriors) for (int s = 0; s < row.length; s++) row[s] /= total;
    r.logLikelihood = Math.log(total);
    return r;
  }

  /** The extended position at each frame if the path collapses to targets, else null. */
  static int[] states(int[] path, int[] targets, int blank) {
    int[] states = new int[path.length];
    int emitted = 0;
    for (int t = 0; t < path.length; t++) {
      if (path[t] == blank) {
        states[t] = 2 * emitted;
      } else if (t > 0 && path[t] == path[t - 1]) {
        states[t] = states[t - 1];
      } else {
        if (emitted == targets.length || targets[emitted] != path[t]) return null;
        states[t] = 2 * emitted++ + 1;
      }
    }
    return emitted == targets.length ? states : null;
  }

  /** Frames needed: one per label plus one blank between equal neighbours. */
  static int minFrames(int[] targets) {
    int n = targets.length;
    for (int i = 1; i < targets.length; i++) if (targets[i] == targets[i - 1]) n++;
    return n;
  }

  private BruteForce() {}

  @Override
  public String toString() {
    return "ll=" + logLikelihood + " best=" + bestLogProb + " " + Arrays.deepToString(posteriors);
  }
}
