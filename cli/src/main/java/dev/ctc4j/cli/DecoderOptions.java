package dev.ctc4j.cli;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.infer.Decoder;
import dev.ctc4j.infer.DecodingConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Option;

/** The options of every command that decodes, as one {@link DecodingConfig} (defaults are its own). */
final class DecoderOptions {
  private static final DecodingConfig DEFAULTS = DecodingConfig.GREEDY;

  @Option(names = "--decoder", description = "greedy or beam (default: greedy).") String decoder = "greedy";
  @Option(names = "--beam-width", description = "Beam search: prefixes kept per frame (default: ${DEFAULT-VALUE}).")
  int beamWidth = DEFAULTS.beamWidth();
  @Option(names = "--lm", paramLabel = "ARPA", description = "Beam search: word n-gram LM (ARPA, optionally .gz).") Path lm;
  @Option(names = "--alpha", description = "LM weight (default: ${DEFAULT-VALUE}).") double alpha = DEFAULTS.alpha();
  @Option(names = "--beta", description = "Word insertion bonus (default: ${DEFAULT-VALUE}).") double beta = DEFAULTS.beta();
  @Option(names = "--lexicon", paramLabel = "FILE", description = "Beam search: allowed words, one per line.") Path lexicon;
  @Option(names = "--hotword", paramLabel = "PHRASE=BONUS", description = "Beam search: boost a word or phrase.")
  Map<String, Double> hotwords = new LinkedHashMap<>();
  @Option(names = "--nbest", description = "Beam search: alternatives per transcript (default: ${DEFAULT-VALUE}).")
  int nBest = DEFAULTS.nBest();

  /** The configuration these options describe. */
  DecodingConfig config() {
    Decoder kind = switch (decoder.toLowerCase(Locale.ROOT)) {
      case "greedy" -> Decoder.GREEDY;
      case "beam" -> Decoder.BEAM;
      default -> throw new InvalidInputException("--decoder must be greedy or beam, got " + decoder);
    };
    return new DecodingConfig(kind, beamWidth, nBest, lm, alpha, beta, lexicon, hotwords);
  }
}
