package dev.ctc4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ctc4j.hub.ModelStore;
import dev.ctc4j.infer.Transcriber;
import dev.ctc4j.infer.Transcript;
import dev.ctc4j.infer.Word;
import dev.ctc4j.tensor.Device;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ctc4j align --model DIR AUDIO "TEXT" [--json]}: word times of a known transcript. */
@Command(name = "align", description = "Word start/end times of a known transcript, by CTC forced alignment.")
final class AlignCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "AUDIO") Path audio;
  @Parameters(index = "1", paramLabel = "TEXT", description = "The transcript (normalised by the model's labels: for English models lower case, letters, apostrophes).")
  String text;
  @Option(names = "--model", paramLabel = "DIR|ID",
      description = "Model directory or pulled repository id (default: $CTC4J_MODEL, else models/an4 of the checkout).") String model;
  @Option(names = "--device", defaultValue = "cpu") String device;
  @Option(names = "--json", description = "One JSON object: text and words with start/end seconds.") boolean json;

  @Override
  public Integer call() throws Exception {
    try (Transcriber transcriber = Transcriber.builder(ModelStore.open().resolveOrDefault(model))
        .device(Device.parse(device)).build()) {
      Transcript t = transcriber.align(audio, text);
      if (json) {
        ObjectNode node = TranscribeCommand.JSON.createObjectNode().put("audio", audio.toString()).put("text", t.text())
            .put("duration", t.audioSeconds()).put("log_probability", t.alternatives().get(0).score());
        TranscribeCommand.words(node, t.words());
        System.out.println(TranscribeCommand.JSON.writeValueAsString(node));
      } else {
        for (Word w : t.words()) {
          System.out.println(String.format(Locale.ROOT, "%.2f\t%.2f\t%s", w.start(), w.end(), w.text()));
        }
      }
    }
    return 0;
  }
}
