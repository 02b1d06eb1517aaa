package dev.ctc4j.ctc;

/** How per-utterance CTC losses combine into one value, as torch.nn.functional.ctc_loss's reduction. */
public enum Reduction {
  /** No reduction: the gradient is each loss's with weight 1 (that of their sum). */
  NONE,
  SUM,
  /** Each loss divided by its target length (at least 1), then averaged over the batch. */
  MEAN
}
