package dev.ctc4j.data;

import java.text.Normalizer;
import java.util.Locale;

/**
 * Transcript normalisation for character models. The rules, in order: Unicode NFKD with accents
 * dropped (é → e); lower case; curly apostrophes become {@code '}; hyphens, underscores and slashes
 * become spaces (so "twenty-one" is two words); every other character that is not a–z, an
 * apostrophe or whitespace is removed; runs of whitespace become one space; the ends are trimmed.
 * Digits are removed, not spelled out: corpora like AN4 and LibriSpeech already spell numbers.
 */
public final class TextNormalizer {
  private TextNormalizer() {}

  public static String normalize(String text) {
    String s = Normalizer.normalize(text, Normalizer.Form.NFKD).replaceAll("\\p{M}", "");
    s = s.toLowerCase(Locale.ROOT).replace('\u2019', '\'').replace('\u2018', '\'');
    s = s.replaceAll("[-_/]", " ").replaceAll("[^a-z'\\s]", "");
    return s.replaceAll("\\s+", " ").trim();
  }
}
