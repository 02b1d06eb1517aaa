package dev.ctc4j.infer;

/** How a {@link Transcriber} turns the model's per-frame log-probabilities into text. */
public enum Decoder {
  /** Best path: the most probable class per frame, repeats collapsed, blanks dropped. */
  GREEDY,
  /** CTC prefix beam search, optionally with an n-gram LM, a lexicon and hotwords. */
  BEAM
}
