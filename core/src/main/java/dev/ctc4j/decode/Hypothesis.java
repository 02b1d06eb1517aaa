package dev.ctc4j.decode;

import java.util.List;

/**
 * A decoded transcript. Scores are natural logs: {@code acousticScore} is ln P_ctc(text | audio)
 * (for greedy decoding, the best path's log-probability), {@code lmScore} ln P_lm(words), and
 * {@code score} what the decoder ranked by: acoustic + alpha lm + beta words + hotword bonuses.
 */
public record Hypothesis(String text, double score, double acousticScore, double lmScore, List<TokenSpan> tokens,
    List<WordSpan> words) {
  public Hypothesis {
    tokens = List.copyOf(tokens);
    words = List.copyOf(words);
  }

  public int[] tokenIds() {
    return tokens.stream().mapToInt(TokenSpan::token).toArray();
  }
}
