package dev.ctc4j.infer;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.decode.BeamSearchDecoder;
import dev.ctc4j.decode.BeamSearchOptions;
import dev.ctc4j.decode.EmissionKind;
import dev.ctc4j.decode.GreedyDecoder;
import dev.ctc4j.decode.Hypothesis;
import dev.ctc4j.decode.Labels;
import dev.ctc4j.lm.NgramLanguageModel;
import dev.ctc4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Log-probabilities to {@link Transcript}s with a transcriber's decoder settings: greedy, or beam
 * search with the LM, lexicon and hotwords it owns. Thread-safe (both decoders are).
 */
final class TranscriptDecoder implements AutoCloseable {
  private final Labels labels;
  private final GreedyDecoder greedy;
  private final NgramLanguageModel languageModel;
  private final BeamSearchDecoder beamSearch;

  /** Settings as the builder collected them; lm, lexicon may be null. */
  record Settings(Decoder decoder, int beamSize, Path lm, double alpha, double beta, Path lexicon,
      Map<String, Float> hotwords, int nBest) {}

  TranscriptDecoder(SpeechModel model, Settings s) {
    this.labels = model.labels();
    this.greedy = new GreedyDecoder(labels, model.frameSeconds());
    if (s.decoder() == Decoder.GREEDY) {
      if (s.lm() != null || s.lexicon() != null || !s.hotwords().isEmpty() || s.nBest() > 1) {
        throw new InvalidInputException("an LM, a lexicon, hotwords and N-best need the BEAM decoder");
      }
      this.languageModel = null;
      this.beamSearch = null;
      return;
    }
    BeamSearchOptions.Builder options = BeamSearchOptions.builder().beamWidth(s.beamSize()).nBest(s.nBest());
    if (s.lexicon() != null) options.lexicon(readLexicon(s.lexicon()));
    s.hotwords().forEach((phrase, bonus) -> options.hotword(phrase, bonus));
    this.languageModel = s.lm() == null ? null : NgramLanguageModel.load(s.lm());
    try {
      if (languageModel != null) options.lm(languageModel, s.alpha(), s.beta());
      this.beamSearch = new BeamSearchDecoder(labels, options.build(), model.frameSeconds());
    } catch (RuntimeException e) {
      if (languageModel != null) languageModel.close();
      throw e;
    }
  }

  /** The transcript of {@code frames}, whose first frame starts {@code offsetSeconds} into the audio. */
  Transcript decode(LogProbFrames frames, double offsetSeconds, double audioSeconds) {
    if (beamSearch == null) return greedy(frames, offsetSeconds, audioSeconds);
    List<Hypothesis> nBest;
    try (Tensor t = frames.toTensor()) {
      nBest = beamSearch.decode(t, new long[] {frames.frames()}, EmissionKind.LOG_PROBS).get(0);
    }
    return transcript(nBest, offsetSeconds, audioSeconds);
  }

  /** The best-path transcript (cheap: for streaming partial results). */
  Transcript greedy(LogProbFrames frames, double offsetSeconds, double audioSeconds) {
    try (Tensor t = frames.toTensor()) {
      Hypothesis best = greedy.decode(t, new long[] {frames.frames()}, EmissionKind.LOG_PROBS).get(0);
      return transcript(List.of(best), offsetSeconds, audioSeconds);
    }
  }

  Labels labels() {
    return labels;
  }

  private static Transcript transcript(List<Hypothesis> nBest, double offsetSeconds, double audioSeconds) {
    if (nBest.isEmpty()) return new Transcript("", List.of(), audioSeconds, List.of()); // the lexicon allowed none
    Hypothesis best = nBest.get(0);
    List<Word> words = best.words().stream()
        .map(w -> new Word(w.word(), offsetSeconds + w.startSeconds(), offsetSeconds + w.endSeconds(), w.confidence()))
        .toList();
    List<Alternative> alternatives = nBest.stream().map(h -> new Alternative(clean(h.text()), h.score())).toList();
    return new Transcript(clean(best.text()), words, audioSeconds, alternatives);
  }

  /** Single spaces between words, none at the ends. */
  private static String clean(String text) {
    return text.strip().replaceAll(" {2,}", " ");
  }

  /** One word per line (the first field, so a pronunciation lexicon works too); blank lines skipped. */
  private static List<String> readLexicon(Path file) {
    try (var lines = Files.lines(file)) {
      return lines.map(String::strip).filter(l -> !l.isEmpty()).map(l -> l.split("\\s+", 2)[0]).distinct().toList();
    } catch (IOException e) {
      throw new InvalidInputException("cannot read the lexicon " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    if (beamSearch != null) beamSearch.close();
    if (languageModel != null) languageModel.close();
  }
}
