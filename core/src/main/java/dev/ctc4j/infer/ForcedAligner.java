package dev.ctc4j.infer;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.ctc.CtcAligner;
import dev.ctc4j.ctc.CtcLayout;
import dev.ctc4j.ctc.CtcTargets;
import dev.ctc4j.ctc.ForcedAlignment;
import dev.ctc4j.data.TextNormalizer;
import dev.ctc4j.decode.Labels;
import dev.ctc4j.decode.WordSpan;
import dev.ctc4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Word timestamps for a known transcript: the most probable CTC path (Viterbi) through the model's
 * log-probabilities that spells the normalised text. A word spans its first character's first
 * frame to its last character's last frame; its confidence is the geometric mean of the path's
 * per-frame probabilities over that span (how well the audio there fits the word). Thread-safe.
 */
final class ForcedAligner {
  private final Labels labels;
  private final TextNormalizer normalizer;
  private final double frameSeconds;
  private final CtcAligner aligner;

  ForcedAligner(Labels labels, TextNormalizer normalizer, double frameSeconds) {
    this.labels = labels;
    this.normalizer = normalizer;
    this.frameSeconds = frameSeconds;
    this.aligner = new CtcAligner(labels.blank(), CtcLayout.BATCH_MAJOR);
  }

  /** The alignment of {@code text} (normalised by the model's labels) to these frames. */
  Transcript align(LogProbFrames frames, String text, double audioSeconds) {
    String normalised = normalizer.apply(text);
    if (normalised.isEmpty()) throw new InvalidInputException("nothing to align: the text \"" + text + "\" has no words");
    int[] targets = labels.encode(normalised);
    ForcedAlignment path;
    try (Tensor t = frames.toTensor()) {
      path = aligner.forcedAlign(t, new long[] {frames.frames()}, CtcTargets.of(targets)).get(0);
    }
    List<Word> words = new ArrayList<>();
    for (WordSpan w : path.words(labels, frameSeconds)) {
      double logProbability = 0;
      for (int t = w.startFrame(); t < w.endFrame(); t++) logProbability += frames.value(t, path.label(t, labels.blank()));
      float confidence = (float) Math.exp(logProbability / (w.endFrame() - w.startFrame()));
      words.add(new Word(w.word(), w.startSeconds(), w.endSeconds(), confidence));
    }
    return new Transcript(normalised, words, audioSeconds, List.of(new Alternative(normalised, path.logProbability())));
  }
}
