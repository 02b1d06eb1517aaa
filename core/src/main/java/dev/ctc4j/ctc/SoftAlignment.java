package dev.ctc4j.ctc;

/**
 * The per-frame posterior over the extended label sequence of one utterance: posteriors[t][s] is
 * the probability that frame t sits at position s given the whole input, where even s are blanks
 * and s = 2i + 1 is target i. Each row sums to 1.
 */
public record SoftAlignment(int[] targets, float[][] posteriors, double logLikelihood) {
  /** The posterior of target i (not its surrounding blanks) at frame t. */
  public float tokenPosterior(int t, int i) {
    return posteriors[t][2 * i + 1];
  }
}
