package dev.ctc4j.decode;

/** What the language model's words are: words between separators, or single tokens. */
public enum LmUnit {
  /** Scored when a word ends (a separator, or the end of the utterance for the last word). */
  WORD,
  /** Every token is an LM word (the separator is looked up as "&lt;space&gt;"). */
  CHARACTER
}
