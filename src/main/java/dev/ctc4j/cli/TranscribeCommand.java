package dev.ctc4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ctc4j.audio.Audio;
import dev.ctc4j.decode.Hypothesis;
import dev.ctc4j.decode.WordSpan;
import dev.ctc4j.infer.SpeechModel;
import dev.ctc4j.tensor.Device;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ctc4j transcribe AUDIO... --model DIR [--decoder greedy|beam] [--lm ARPA] [--json]}. */
@Command(name = "transcribe", description = "Transcribe audio files with a trained model.")
final class TranscribeCommand implements Callable<Integer> {
  @Parameters(paramLabel = "AUDIO", arity = "1..*") List<Path> audio;
  @Option(names = "--model", required = true, paramLabel = "DIR") Path model;
  @Mixin DecoderOptions decoding;
  @Option(names = "--device", defaultValue = "cpu") String device;
  @Option(names = "--json", description = "One JSON object per file: text and words with start/end seconds.") boolean json;

  @Override
  public Integer call() throws Exception {
    try (SpeechModel m = SpeechModel.load(model, Device.parse(device).requireAvailable());
        DecoderOptions.Decoding decoder = decoding.open(m)) {
      for (Path file : audio) {
        try (SpeechModel.Emissions e = m.emissions(List.of(Audio.read(file)))) {
          Hypothesis best = decoder.best(e).get(0);
          System.out.println(json ? toJson(file, best) : (audio.size() > 1 ? file + ": " : "") + best.text());
        }
      }
    }
    return 0;
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
