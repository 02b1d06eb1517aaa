package dev.ctc4j.infer;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.decode.BeamSearchOptions;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How transcripts are decoded from a model's log-probabilities: greedy, or prefix beam search with
 * an optional word n-gram LM, a lexicon and hotwords. One immutable value, used alike by the Java
 * API ({@link Transcriber.Builder#decoding}), the CLI, the service and Spark; it can be logged and
 * compared. Files are only named here: they are read when a decoder opens ({@link TranscriptDecoder}).
 *
 * @param decoder greedy or beam search
 * @param beamWidth prefixes kept per frame by beam search
 * @param nBest alternatives per transcript (beam search)
 * @param languageModel a word n-gram LM for beam search: ARPA (optionally .gz) or its binary cache; null: none
 * @param alpha LM weight
 * @param beta bonus per word
 * @param lexicon a file of allowed words, one per line (first field); null: any word
 * @param hotwords words or phrases and their bonus (natural log, &gt;= 0), in the order given
 */
public record DecodingConfig(Decoder decoder, int beamWidth, int nBest, Path languageModel, double alpha,
    double beta, Path lexicon, Map<String, Double> hotwords) {
  /** Greedy decoding; the beam-search values are beam search's defaults. */
  public static final DecodingConfig GREEDY = new DecodingConfig(Decoder.GREEDY, BeamSearchOptions.DEFAULT_BEAM_WIDTH,
      1, null, BeamSearchOptions.DEFAULT_ALPHA, BeamSearchOptions.DEFAULT_BETA, null, Map.of());
  /** Beam search with its defaults and no LM, lexicon or hotwords. */
  public static final DecodingConfig BEAM = GREEDY.withDecoder(Decoder.BEAM);

  public DecodingConfig {
    Objects.requireNonNull(decoder, "decoder");
    if (beamWidth < 1) throw new InvalidInputException("beam width must be at least 1, got " + beamWidth);
    if (nBest < 1 || nBest > beamWidth) throw new InvalidInputException("n-best must be in [1, beam width], got " + nBest);
    if (!Double.isFinite(alpha) || !Double.isFinite(beta)) {
      throw new InvalidInputException("alpha and beta must be finite, got " + alpha + " and " + beta);
    }
    hotwords = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(hotwords, "hotwords")));
    hotwords.forEach((phrase, bonus) -> {
      if (phrase == null || phrase.isBlank() || bonus == null || !(bonus >= 0) || bonus.isInfinite()) {
        throw new InvalidInputException("bad hotword '" + phrase + "' with bonus " + bonus);
      }
    });
    if (decoder == Decoder.GREEDY && (languageModel != null || lexicon != null || !hotwords.isEmpty() || nBest > 1)) {
      throw new InvalidInputException("an LM, a lexicon, hotwords and N-best need the BEAM decoder");
    }
  }

  public DecodingConfig withDecoder(Decoder v) {
    return new DecodingConfig(v, beamWidth, nBest, languageModel, alpha, beta, lexicon, hotwords);
  }

  public DecodingConfig withBeamWidth(int v) {
    return new DecodingConfig(decoder, v, nBest, languageModel, alpha, beta, lexicon, hotwords);
  }

  public DecodingConfig withNBest(int v) {
    return new DecodingConfig(decoder, beamWidth, v, languageModel, alpha, beta, lexicon, hotwords);
  }

  /** This config with an LM (null: none). */
  public DecodingConfig withLanguageModel(Path v) {
    return new DecodingConfig(decoder, beamWidth, nBest, v, alpha, beta, lexicon, hotwords);
  }

  public DecodingConfig withLmWeights(double alpha, double beta) {
    return new DecodingConfig(decoder, beamWidth, nBest, languageModel, alpha, beta, lexicon, hotwords);
  }

  /** This config with a lexicon (null: none). */
  public DecodingConfig withLexicon(Path v) {
    return new DecodingConfig(decoder, beamWidth, nBest, languageModel, alpha, beta, v, hotwords);
  }

  public DecodingConfig withHotwords(Map<String, Double> v) {
    return new DecodingConfig(decoder, beamWidth, nBest, languageModel, alpha, beta, lexicon, v);
  }
}
