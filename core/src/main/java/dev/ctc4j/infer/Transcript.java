package dev.ctc4j.infer;

import java.util.List;

/**
 * The transcript of one audio input: the best text, its words with timestamps and confidences, the
 * audio's duration in seconds, and the N best alternatives, best first (the first is the text
 * itself; one entry unless N-best was requested from beam search).
 */
public record Transcript(String text, List<Word> words, double audioSeconds, List<Alternative> alternatives) {
  public Transcript {
    words = List.copyOf(words);
    alternatives = List.copyOf(alternatives);
  }
}
