package dev.ctc4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ctc4j.data.TextNormalizer;
import dev.ctc4j.decode.Labels;
import dev.ctc4j.testing.Seeds;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ErrorRatesTest {
  @Test
  void countsWordAndCharacterEditsOverTheCorpus() {
    ErrorRates rates = new ErrorRates();
    rates.add("the cat sat", "the cat sit on");  // 1 substitution + 1 insertion over 3 words
    rates.add("a b", "a b");
    assertEquals(2.0 / 5, rates.wer(), 1e-12);
    // characters without spaces: "thecatsat" vs "thecatsiton": a->i, +o, +n = 3 edits; "ab" exact
    assertEquals(3.0 / 11, rates.cer(), 1e-12);
    assertEquals(2, rates.utterances());
    ErrorRates empty = new ErrorRates();
    empty.add("", "words");
    assertEquals(0, empty.wer());
  }

  /** A model's normaliser applies to both sides: a lower-case reference scores against an upper-case model. */
  @Test
  void bothSidesAreNormalisedByTheModelsLabels() {
    Labels upper = new Labels(List.of("<pad>", " ", "E", "H", "L", "O", "R", "W", "D"), 0, 1);
    ErrorRates normalised = new ErrorRates(TextNormalizer.forLabels(upper)), raw = new ErrorRates();
    normalised.add("hello, world", "HELLO WORLD");
    raw.add("hello, world", "HELLO WORLD");
    assertEquals(0, normalised.wer());
    assertEquals(1, raw.wer());
  }

  @Test
  void levenshteinEqualsTheRecursiveDefinition() {
    SplittableRandom rng = Seeds.random("ErrorRatesTest.levenshtein");
    for (int trial = 0; trial < 300; trial++) {
      Integer[] a = random(rng), b = random(rng);
      assertEquals(naive(a, b, a.length, b.length), ErrorRates.distance(a, b));
    }
  }

  private static Integer[] random(SplittableRandom rng) {
    Integer[] x = new Integer[rng.nextInt(7)];
    for (int i = 0; i < x.length; i++) x[i] = rng.nextInt(3);
    return x;
  }

  private static int naive(Integer[] a, Integer[] b, int i, int j) {
    if (i == 0) return j;
    if (j == 0) return i;
    int sub = naive(a, b, i - 1, j - 1) + (a[i - 1].equals(b[j - 1]) ? 0 : 1);
    return Math.min(sub, Math.min(naive(a, b, i - 1, j), naive(a, b, i, j - 1)) + 1);
  }
}
