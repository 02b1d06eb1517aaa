package dev.ctc4j.decode;

import java.util.ArrayList;
import java.util.List;

/** Words from token spans: the runs between separators, for decoded hypotheses and forced alignments alike. */
public final class WordSpans {
  private WordSpans() {}

  /** The runs of {@code tokens} between tokens of class {@code separator}; empty runs are dropped. */
  public static List<WordSpan> of(List<TokenSpan> tokens, int separator, double frameSeconds) {
    List<WordSpan> words = new ArrayList<>();
    int first = 0;
    for (int i = 0; i <= tokens.size(); i++) {
      if (i < tokens.size() && tokens.get(i).token() != separator) continue;
      if (i > first) words.add(word(tokens.subList(first, i), frameSeconds));
      first = i + 1;
    }
    return words;
  }

  /** One word of consecutive tokens: their text, from the first's start to the last's end, the lowest confidence. */
  public static WordSpan word(List<TokenSpan> tokens, double frameSeconds) {
    StringBuilder text = new StringBuilder();
    float confidence = Float.POSITIVE_INFINITY;
    for (TokenSpan s : tokens) {
      text.append(s.text());
      confidence = Math.min(confidence, s.confidence()); // NaN stays NaN
    }
    int start = tokens.get(0).startFrame(), end = tokens.get(tokens.size() - 1).endFrame();
    return new WordSpan(text.toString(), start, end, start * frameSeconds, end * frameSeconds, confidence);
  }
}
