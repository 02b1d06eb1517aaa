package dev.ctc4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ctc4j.audio.Audio;
import dev.ctc4j.decode.BeamSearchDecoder;
import dev.ctc4j.decode.BeamSearchOptions;
import dev.ctc4j.decode.EmissionKind;
import dev.ctc4j.decode.GreedyDecoder;
import dev.ctc4j.decode.Hypothesis;
import dev.ctc4j.decode.WordSpan;
import dev.ctc4j.infer.SpeechModel;
import dev.ctc4j.lm.NgramLanguageModel;
import dev.ctc4j.tensor.Device;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ctc4j transcribe AUDIO... --model DIR [--decoder greedy|beam] [--lm ARPA] [--json]}. */
@Command(name = "transcribe", description = "Transcribe audio files with a trained model.")
final class TranscribeCommand implements Callable<Integer> {
  @Parameters(paramLabel = "AUDIO", arity = "1..*") List<Path> audio;
  @Option(names = "--model", required = true, paramLabel = "DIR") Path model;
  @Option(names = "--decoder", defaultValue = "greedy", description = "greedy or beam.") String decoder;
  @Option(names = "--beam", defaultValue = "32") int beam;
  @Option(names = "--lm", paramLabel = "ARPA") Path lm;
  @Option(names = "--alpha", defaultValue = "0.5") double alpha;
  @Option(names = "--beta", defaultValue = "1.0") double beta;
  @Option(names = "--device", defaultValue = "cpu") String device;
  @Option(names = "--json", description = "One JSON object per file: text and words with start/end seconds.") boolean json;

  @Override
  public Integer call() throws Exception {
    try (SpeechModel m = SpeechModel.load(model, Device.parse(device).requireAvailable());
        NgramLanguageModel languageModel = lm == null ? null : NgramLanguageModel.load(lm);
        BeamSearchDecoder beamSearch = decoder.equals("beam") ? beamSearch(m, languageModel) : null) {
      if (!decoder.equals("greedy") && beamSearch == null) {
        throw new dev.ctc4j.InvalidInputException("--decoder must be greedy or beam, got " + decoder);
      }
      for (Path file : audio) {
        try (SpeechModel.Emissions e = m.emissions(List.of(Audio.read(file)))) {
          Hypothesis best = beamSearch != null
              ? beamSearch.decode(e.logProbs(), e.lengths(), EmissionKind.LOG_PROBS).get(0).get(0)
              : new GreedyDecoder(m.labels(), m.frameSeconds()).decode(e.logProbs(), e.lengths(), EmissionKind.LOG_PROBS).get(0);
          System.out.println(json ? toJson(file, best) : (audio.size() > 1 ? file + ": " : "") + best.text());
        }
      }
    }
    return 0;
  }

  private BeamSearchDecoder beamSearch(SpeechModel m, NgramLanguageModel languageModel) {
    BeamSearchOptions.Builder options = BeamSearchOptions.builder().beamWidth(beam);
    if (languageModel != null) options.lm(languageModel, alpha, beta);
    return new BeamSearchDecoder(m.labels(), options.build(), m.frameSeconds());
  }

  private static String toJson(Path file, Hypothesis h) throws Exception {
    ObjectMapper json = new ObjectMapper();
    ObjectNode node = json.createObjectNode().put("audio", file.toString()).put("text", h.text());
    ArrayNode words = node.putArray("words");
    for (WordSpan w : h.words()) {
      words.addObject().put("word", w.word()).put("start", w.startSeconds()).put("end", w.endSeconds())
          .put("confidence", w.confidence());
    }
    return json.writeValueAsString(node);
  }
}
