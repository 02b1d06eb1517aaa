package dev.ctc4j.decode;

/** What the emission values are: natural-log probabilities (log-softmax output) or probabilities. */
public enum EmissionKind {
  LOG_PROBS,
  PROBS
}
