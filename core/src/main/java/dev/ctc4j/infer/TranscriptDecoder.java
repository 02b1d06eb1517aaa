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

/**
 * A {@link DecodingConfig} opened for one model: greedy, or beam search with the LM and lexicon it
 * loaded. The one place a decoding configuration becomes a decoder (the {@link Transcriber}, the
 * CLI's eval and Spark use it). Thread-safe (both decoders are); close it to free the LM.
 */
public final class TranscriptDecoder implements AutoCloseable {
  private final Labels labels;
  private final DecodingConfig config;
  private final GreedyDecoder greedy;
  private final NgramLanguageModel languageModel;
  private final BeamSearchDecoder beamSearch;

  /** Reads the LM and lexicon {@code config} names (an {@link InvalidInputException} when they are bad). */
  public TranscriptDecoder(SpeechModel model, DecodingConfig config) {
    this.labels = model.labels();
    this.config = config;
    this.greedy = new GreedyDecoder(labels, model.frameSeconds());
    if (config.decoder() == Decoder.GREEDY) {
      this.languageModel = null;
      this.beamSearch = null;
      return;
    }
    BeamSearchOptions.Builder options = BeamSearchOptions.builder().beamWidth(config.beamWidth()).nBest(config.nBest());
    if (config.lexicon() != null) options.lexicon(readLexicon(config.lexicon()));
    config.hotwords().forEach(options::hotword);
    this.languageModel = config.languageModel() == null ? null : NgramLanguageModel.load(config.languageModel());
    try {
      if (languageModel != null) options.lm(languageModel, config.alpha(), config.beta());
      this.beamSearch = new BeamSearchDecoder(labels, options.build(), model.frameSeconds());
    } catch (RuntimeException e) {
      if (languageModel != null) languageModel.close();
      throw e;
    }
  }

  public DecodingConfig config() {
    return config;
  }

  /** The best hypothesis of each utterance of a batch of emissions. */
  public List<Hypothesis> best(SpeechModel.Emissions e) {
    if (beamSearch == null) return greedy.decode(e.logProbs(), e.lengths(), EmissionKind.LOG_PROBS);
    return beamSearch.decode(e.logProbs(), e.lengths(), EmissionKind.LOG_PROBS).stream().map(n -> n.get(0)).toList();
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
