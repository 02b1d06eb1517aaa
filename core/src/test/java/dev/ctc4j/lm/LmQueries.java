package dev.ctc4j.lm;

import static org.junit.jupiter.api.Assertions.assertFalse;

/** Queries that touch every table of a loaded model: what a decoder does with it. */
final class LmQueries {
  private static final String[] WORDS = {"<s>", "</s>", "<unk>", "a", "b", "the", "hello", "world"};

  private LmQueries() {}

  /** Asks for every order's n-grams over a few words; a corrupt table shows as a crash, a hang or NaN. */
  static void probe(NgramLanguageModel lm) {
    for (String w1 : WORDS) {
      for (String w2 : WORDS) {
        if (lm.wordId(w2) < 0 && lm.wordId("<unk>") < 0) continue;
        assertFalse(Float.isNaN(lm.log10Prob(w1, w2, w2, w1, w2)), w1 + " " + w2);
      }
    }
  }
}
