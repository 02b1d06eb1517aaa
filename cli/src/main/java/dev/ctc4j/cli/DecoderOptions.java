package dev.ctc4j.cli;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.decode.BeamSearchDecoder;
import dev.ctc4j.decode.BeamSearchOptions;
import dev.ctc4j.decode.EmissionKind;
import dev.ctc4j.decode.Hypothesis;
import dev.ctc4j.infer.Decoder;
import dev.ctc4j.infer.SpeechModel;
import dev.ctc4j.infer.Transcriber;
import dev.ctc4j.lm.NgramLanguageModel;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** Decoder options shared by the commands that decode: greedy, or beam search with an optional word LM. */
final class DecoderOptions {
  @Option(names = "--decoder", defaultValue = "greedy", description = "greedy or beam.") String decoder;
  @Option(names = "--beam", defaultValue = "32", description = "Beam width.") int beam;
  @Option(names = "--lm", paramLabel = "ARPA", description = "Word n-gram LM for beam search (ARPA, optionally .gz).") Path lm;
  @Option(names = "--alpha", defaultValue = "0.5", description = "LM weight.") double alpha;
  @Option(names = "--beta", defaultValue = "1.0", description = "Word insertion bonus.") double beta;

  /** These options on a transcriber builder. */
  Transcriber.Builder applyTo(Transcriber.Builder builder) {
    Decoder kind = switch (decoder) {
      case "greedy" -> Decoder.GREEDY;
      case "beam" -> Decoder.BEAM;
      default -> throw new InvalidInputException("--decoder must be greedy or beam, got " + decoder);
    };
    builder.decoder(kind).beamSize(beam).alpha(alpha).beta(beta);
    return lm == null ? builder : builder.languageModel(lm);
  }

  /** The decoder these options describe, for {@code model}'s emissions; close it. */
  Decoding open(SpeechModel model) {
    if (decoder.equals("greedy")) return new Decoding(model, null, null);
    if (!decoder.equals("beam")) throw new InvalidInputException("--decoder must be greedy or beam, got " + decoder);
    NgramLanguageModel languageModel = lm == null ? null : NgramLanguageModel.load(lm);
    try {
      BeamSearchOptions.Builder options = BeamSearchOptions.builder().beamWidth(beam);
      if (languageModel != null) options.lm(languageModel, alpha, beta);
      return new Decoding(model, languageModel, new BeamSearchDecoder(model.labels(), options.build(), model.frameSeconds()));
    } catch (RuntimeException e) {
      if (languageModel != null) languageModel.close();
      throw e;
    }
  }

  /** A ready decoder: the best hypothesis per utterance of a batch of emissions. */
  static final class Decoding implements AutoCloseable {
    private final SpeechModel model;
    private final NgramLanguageModel languageModel;
    private final BeamSearchDecoder beamSearch;

    private Decoding(SpeechModel model, NgramLanguageModel languageModel, BeamSearchDecoder beamSearch) {
      this.model = model;
      this.languageModel = languageModel;
      this.beamSearch = beamSearch;
    }

    List<Hypothesis> best(SpeechModel.Emissions e) {
      if (beamSearch == null) return model.greedy(e);
      return beamSearch.decode(e.logProbs(), e.lengths(), EmissionKind.LOG_PROBS).stream().map(n -> n.get(0)).toList();
    }

    @Override
    public void close() {
      if (beamSearch != null) beamSearch.close();
      if (languageModel != null) languageModel.close();
    }
  }
}
