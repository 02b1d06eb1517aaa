package dev.ctc4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ctc4j.hub.ModelStore;
import dev.ctc4j.infer.Alternative;
import dev.ctc4j.infer.Transcriber;
import dev.ctc4j.infer.Transcript;
import dev.ctc4j.infer.Word;
import dev.ctc4j.tensor.Device;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ctc4j transcribe AUDIO... [--model DIR|ID] [decoder options] [--json]}. */
@Command(name = "transcribe", description = "Transcribe audio files (any format FFmpeg decodes, any length).")
final class TranscribeCommand implements Callable<Integer> {
  static final ObjectMapper JSON = new ObjectMapper();

  @Parameters(paramLabel = "AUDIO", arity = "1..*") List<Path> audio;
  @Option(names = "--model", paramLabel = "DIR|ID",
      description = "Model directory or pulled repository id (default: $CTC4J_MODEL, else models/an4 of the checkout).") String model;
  @Mixin DecoderOptions decoding;
  @Option(names = "--device", defaultValue = "cpu") String device;
  @Option(names = "--json", description = "One JSON object per file: text and words with start/end seconds.") boolean json;

  @Override
  public Integer call() throws Exception {
    try (Transcriber transcriber = Transcriber.builder(ModelStore.open().resolveOrDefault(model))
        .device(Device.parse(device)).decoding(decoding.config()).build()) {
      for (Path file : audio) {
        Transcript t = transcriber.transcribe(file);
        System.out.println(json ? toJson(file, t) : (audio.size() > 1 ? file + ": " : "") + t.text());
      }
    }
    return 0;
  }

  private static String toJson(Path file, Transcript t) throws Exception {
    ObjectNode node = JSON.createObjectNode().put("audio", file.toString()).put("text", t.text())
        .put("duration", t.audioSeconds());
    words(node, t.words());
    if (t.alternatives().size() > 1) {
      ArrayNode alternatives = node.putArray("alternatives");
      for (Alternative a : t.alternatives()) alternatives.addObject().put("text", a.text()).put("score", a.score());
    }
    return JSON.writeValueAsString(node);
  }

  /** "words": [{"word", "start", "end", "confidence"}], seconds. */
  static void words(ObjectNode node, List<Word> words) {
    ArrayNode array = node.putArray("words");
    for (Word w : words) {
      array.addObject().put("word", w.text()).put("start", w.start()).put("end", w.end()).put("confidence", w.confidence());
    }
  }
}
