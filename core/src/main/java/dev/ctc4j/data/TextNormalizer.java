package dev.ctc4j.data;

import dev.ctc4j.decode.Labels;
import java.text.Normalizer;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Transcript normalisation for character models, by a model's own characters (its single-character
 * labels). The rules, in order: Unicode NFC; the case of the labels (lower case for lower-case
 * labels, upper case for upper-case ones, unchanged when they mix); then per character: an
 * apostrophe (straight or curly) becomes the one the labels have ({@code '} first); a label
 * character stays; whitespace and other space characters (no-break spaces), hyphens, underscores
 * and slashes become spaces (so "twenty-one" is two words); any other character is decomposed
 * (NFKD) and the parts that are label characters stay (é becomes e unless é is a label itself),
 * the rest is removed; runs of whitespace become one space; the ends are trimmed. Digits are
 * removed unless they are labels: corpora like AN4 and LibriSpeech already spell numbers.
 *
 * <p>{@link #ENGLISH} is the normaliser of the English labels (a–z, apostrophe, space), which
 * training manifests use. Immutable and thread-safe.
 */
public final class TextNormalizer {
  private enum Case { LOWER, UPPER, AS_IS }

  public static final TextNormalizer ENGLISH = forLabels(Labels.english());

  private final Set<Integer> characters;
  private final Case letterCase;
  private final int apostrophe; // the labels' apostrophe, or -1

  private TextNormalizer(Set<Integer> characters, Case letterCase) {
    this.characters = characters;
    this.letterCase = letterCase;
    this.apostrophe = characters.contains((int) '\'') ? '\'' : characters.contains(0x2019) ? 0x2019 : -1;
  }

  /** The normaliser of a model's labels: its single-character labels other than the blank. */
  public static TextNormalizer forLabels(Labels labels) {
    Set<Integer> characters = new TreeSet<>();
    for (int i = 0; i < labels.size(); i++) {
      String t = labels.tokens().get(i);
      if (i != labels.blank() && t.codePointCount(0, t.length()) == 1) characters.add(t.codePointAt(0));
    }
    boolean lower = characters.stream().anyMatch(Character::isLowerCase);
    boolean upper = characters.stream().anyMatch(Character::isUpperCase);
    return new TextNormalizer(Set.copyOf(characters), lower == upper ? Case.AS_IS : lower ? Case.LOWER : Case.UPPER);
  }

  /** English normalisation (training transcripts). */
  public static String normalize(String text) {
    return ENGLISH.apply(text);
  }

  public String apply(String text) {
    String s = Normalizer.normalize(text, Normalizer.Form.NFC);
    s = switch (letterCase) {
      case LOWER -> s.toLowerCase(Locale.ROOT);
      case UPPER -> s.toUpperCase(Locale.ROOT);
      case AS_IS -> s;
    };
    StringBuilder out = new StringBuilder(s.length());
    s.codePoints().forEach(c -> {
      if (characters.contains(c)) out.appendCodePoint(c);
      else if ((c == '\'' || c == '\u2019' || c == '\u2018') && apostrophe >= 0) out.appendCodePoint(apostrophe);
      else if (Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '-' || c == '_' || c == '/') out.append(' ');
      else Normalizer.normalize(new String(Character.toChars(c)), Normalizer.Form.NFKD).codePoints()
          .filter(characters::contains).forEach(out::appendCodePoint);
    });
    return out.toString().replaceAll("\\s+", " ").trim();
  }
}
