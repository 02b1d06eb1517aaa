package dev.ctc4j.eval;

import dev.ctc4j.data.TextNormalizer;
import java.util.function.UnaryOperator;

/**
 * Corpus word and character error rates: Levenshtein edits summed over utterances, divided by the
 * summed reference lengths. Words are split on whitespace; characters are counted with spaces
 * removed, as deepspeech.pytorch does, so figures compare with its published ones. Given a
 * {@link TextNormalizer} (a model's: {@link dev.ctc4j.infer.SpeechModel#textNormalizer}), both sides
 * are normalised by it first. Not thread-safe.
 */
public final class ErrorRates {
  private final UnaryOperator<String> normalize;
  private long wordEdits, words, charEdits, chars;
  private int utterances;

  /** Compares the texts as they are. */
  public ErrorRates() {
    this.normalize = UnaryOperator.identity();
  }

  /** Compares the texts after normalising both. */
  public ErrorRates(TextNormalizer normalizer) {
    this.normalize = normalizer::apply;
  }

  public void add(String reference, String hypothesis) {
    String[] refWords = split(normalize.apply(reference)), hypWords = split(normalize.apply(hypothesis));
    wordEdits += distance(refWords, hypWords);
    words += refWords.length;
    String refChars = String.join("", refWords), hypChars = String.join("", hypWords);
    charEdits += distance(refChars.chars().boxed().toArray(), hypChars.chars().boxed().toArray());
    chars += refChars.length();
    utterances++;
  }

  public double wer() {
    return words == 0 ? 0 : (double) wordEdits / words;
  }

  public double cer() {
    return chars == 0 ? 0 : (double) charEdits / chars;
  }

  public int utterances() {
    return utterances;
  }

  private static String[] split(String text) {
    String t = text.trim();
    return t.isEmpty() ? new String[0] : t.split("\\s+");
  }

  /** Levenshtein distance with unit costs, two rows of memory. */
  static int distance(Object[] a, Object[] b) {
    int[] prev = new int[b.length + 1], cur = new int[b.length + 1];
    for (int j = 0; j <= b.length; j++) prev[j] = j;
    for (int i = 1; i <= a.length; i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length; j++) {
        int substitution = prev[j - 1] + (a[i - 1].equals(b[j - 1]) ? 0 : 1);
        cur[j] = Math.min(substitution, Math.min(prev[j], cur[j - 1]) + 1);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length];
  }
}
