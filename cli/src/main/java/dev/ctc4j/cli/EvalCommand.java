package dev.ctc4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ctc4j.data.Manifest;
import dev.ctc4j.eval.Evaluator;
import dev.ctc4j.hub.ModelStore;
import dev.ctc4j.infer.SpeechModel;
import dev.ctc4j.infer.TranscriptDecoder;
import dev.ctc4j.tensor.Device;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ctc4j eval --model DIR|ID --manifest FILE [decoder options] [--json]}. */
@Command(name = "eval", description = "Word and character error rates of a model on a manifest.")
final class EvalCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, paramLabel = "DIR|ID", description = "Model directory or pulled repository id.")
  String model;
  @Option(names = "--manifest", required = true, paramLabel = "FILE") Path manifest;
  @Mixin DecoderOptions decoding;
  @Option(names = "--batch-size", defaultValue = "16") int batchSize;
  @Option(names = "--device", defaultValue = "cpu") String device;
  @Option(names = "--json", description = "Print exactly one JSON object on stdout.") boolean json;

  @Override
  public Integer call() throws Exception {
    try (SpeechModel m = SpeechModel.load(ModelStore.open().resolve(model), Device.parse(device).requireAvailable());
        TranscriptDecoder decoder = new TranscriptDecoder(m, decoding.config())) {
      print(Evaluator.evaluate(m, Manifest.read(manifest), batchSize,
          (sm, e) -> decoder.best(e).stream().map(h -> h.text()).toList(), System.err::println));
    }
    return 0;
  }

  private void print(dev.ctc4j.eval.Evaluation r) throws Exception {
    if (json) {
      var node = new ObjectMapper().createObjectNode().put("wer", r.wer()).put("cer", r.cer())
          .put("utterances", r.utterances()).put("audio_seconds", r.audioSeconds()).put("wall_seconds", r.wallSeconds());
      System.out.println(new ObjectMapper().writeValueAsString(node));
    } else {
      System.out.printf("WER %.2f%%  CER %.2f%%  %d utterances  %.1f s audio  %.1f s wall  RTF %.4f%s%n", 100 * r.wer(),
          100 * r.cer(), r.utterances(), r.audioSeconds(), r.wallSeconds(), r.realTimeFactor(),
          r.skipped() > 0 ? "  (" + r.skipped() + " unreadable files skipped)" : "");
    }
  }
}
