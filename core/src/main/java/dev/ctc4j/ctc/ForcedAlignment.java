package dev.ctc4j.ctc;

import dev.ctc4j.InvalidInputException;
import java.util.ArrayList;
import java.util.List;

/**
 * The Viterbi (most probable) CTC path of one utterance: states[t] is the extended position at
 * frame t (even: a blank, 2i + 1: target i), and logProbability the path's log-probability.
 */
public record ForcedAlignment(int[] targets, int[] states, double logProbability) {
  /** The class emitted at frame t on the path. */
  public int label(int t, int blank) {
    return states[t] % 2 == 0 ? blank : targets[states[t] / 2];
  }

  /** One span per target, in order; every target covers at least one frame. */
  public List<TokenSpan> tokens() {
    int[] start = new int[targets.length], end = new int[targets.length];
    for (int t = states.length - 1; t >= 0; t--) {
      if (states[t] % 2 == 1) start[states[t] / 2] = t;
    }
    for (int t = 0; t < states.length; t++) {
      if (states[t] % 2 == 1) end[states[t] / 2] = t + 1;
    }
    List<TokenSpan> spans = new ArrayList<>(targets.length);
    for (int i = 0; i < targets.length; i++) spans.add(new TokenSpan(i, targets[i], start[i], end[i]));
    return spans;
  }

  /** Words as the runs of targets between occurrences of {@code separator} (e.g. a space or "|"). */
  public List<WordSpan> words(int separator) {
    List<TokenSpan> tokens = tokens();
    List<WordSpan> words = new ArrayList<>();
    int first = -1;
    for (int i = 0; i <= targets.length; i++) {
      boolean boundary = i == targets.length || targets[i] == separator;
      if (boundary && first >= 0) {
        words.add(new WordSpan(first, i, tokens.get(first).startFrame(), tokens.get(i - 1).endFrame()));
        first = -1;
      } else if (!boundary && first < 0) {
        first = i;
      }
    }
    return words;
  }

  /** Words of the given numbers of consecutive targets, which add up to the target length. */
  public List<WordSpan> words(int[] tokensPerWord) {
    List<TokenSpan> tokens = tokens();
    List<WordSpan> words = new ArrayList<>(tokensPerWord.length);
    int first = 0;
    for (int w = 0; w < tokensPerWord.length; w++) {
      int count = tokensPerWord[w];
      if (count < 1 || first + count > targets.length) {
        throw new InvalidInputException("word " + w + " of " + count + " tokens does not fit the " + targets.length
            + " targets");
      }
      words.add(new WordSpan(first, first + count, tokens.get(first).startFrame(),
          tokens.get(first + count - 1).endFrame()));
      first += count;
    }
    if (first != targets.length) {
      throw new InvalidInputException("words cover " + first + " of the " + targets.length + " targets");
    }
    return words;
  }
}
