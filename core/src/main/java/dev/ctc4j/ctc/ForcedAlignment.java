package dev.ctc4j.ctc;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.decode.Labels;
import dev.ctc4j.decode.TokenSpan;
import dev.ctc4j.decode.WordSpan;
import dev.ctc4j.decode.WordSpans;
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

  /**
   * One span per target, in order; every target covers at least one frame. Confidence is NaN: the
   * path alone has no posterior (the transcriber scores words from the emissions).
   */
  public List<TokenSpan> tokens(Labels labels, double frameSeconds) {
    int[] start = new int[targets.length], end = new int[targets.length];
    for (int t = states.length - 1; t >= 0; t--) {
      if (states[t] % 2 == 1) start[states[t] / 2] = t;
    }
    for (int t = 0; t < states.length; t++) {
      if (states[t] % 2 == 1) end[states[t] / 2] = t + 1;
    }
    List<TokenSpan> spans = new ArrayList<>(targets.length);
    for (int i = 0; i < targets.length; i++) {
      spans.add(new TokenSpan(targets[i], labels.text(targets[i]), start[i], end[i], start[i] * frameSeconds,
          end[i] * frameSeconds, Float.NaN));
    }
    return spans;
  }

  /** Words as the runs of targets between the labels' word separator (a space or "|"). */
  public List<WordSpan> words(Labels labels, double frameSeconds) {
    return WordSpans.of(tokens(labels, frameSeconds), labels.space(), frameSeconds);
  }

  /** Words of the given numbers of consecutive targets, which add up to the target length. */
  public List<WordSpan> words(int[] tokensPerWord, Labels labels, double frameSeconds) {
    List<TokenSpan> tokens = tokens(labels, frameSeconds);
    List<WordSpan> words = new ArrayList<>(tokensPerWord.length);
    int first = 0;
    for (int w = 0; w < tokensPerWord.length; w++) {
      int count = tokensPerWord[w];
      if (count < 1 || first + count > targets.length) {
        throw new InvalidInputException("word " + w + " of " + count + " tokens does not fit the " + targets.length
            + " targets");
      }
      words.add(WordSpans.word(tokens.subList(first, first + count), frameSeconds));
      first += count;
    }
    if (first != targets.length) {
      throw new InvalidInputException("words cover " + first + " of the " + targets.length + " targets");
    }
    return words;
  }
}
