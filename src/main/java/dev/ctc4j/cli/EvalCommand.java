package dev.ctc4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ctc4j.data.Manifest;
import dev.ctc4j.decode.BeamSearchDecoder;
import dev.ctc4j.decode.BeamSearchOptions;
import dev.ctc4j.decode.EmissionKind;
import dev.ctc4j.eval.Evaluation;
import dev.ctc4j.eval.Evaluator;
import dev.ctc4j.infer.SpeechModel;
import dev.ctc4j.lm.NgramLanguageModel;
import dev.ctc4j.tensor.Device;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ctc4j eval --model DIR --manifest FILE [--decoder greedy|beam] [--beam N] [--lm FILE] [--alpha A] [--beta B] [--json]}. */
@Command(name = "eval", description = "Word and character error rates of a model on a manifest.")
final class EvalCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, paramLabel = "DIR") Path model;
  @Option(names = "--manifest", required = true, paramLabel = "FILE") Path manifest;
  @Option(names = "--decoder", defaultValue = "greedy", description = "greedy or beam.") String decoder;
  @Option(names = "--beam", defaultValue = "32") int beam;
  @Option(names = "--lm", paramLabel = "ARPA", description = "Word n-gram LM for beam search (ARPA, optionally .gz).") Path lm;
  @Option(names = "--alpha", defaultValue = "0.5", description = "LM weight.") double alpha;
  @Option(names = "--beta", defaultValue = "1.0", description = "Word insertion bonus.") double beta;
  @Option(names = "--batch-size", defaultValue = "16") int batchSize;
  @Option(names = "--device", defaultValue = "cpu") String device;
  @Option(names = "--json", description = "Print exactly one JSON object on stdout.") boolean json;

  @Override
  public Integer call() throws Exception {
    if (!decoder.equals("greedy") && !decoder.equals("beam")) {
      throw new dev.ctc4j.InvalidInputException("--decoder must be greedy or beam, got " + decoder);
    }
    try (SpeechModel m = SpeechModel.load(model, Device.parse(device).requireAvailable());
        NgramLanguageModel languageModel = lm == null ? null : NgramLanguageModel.load(lm)) {
      Evaluation result;
      if (decoder.equals("greedy")) {
        result = Evaluator.evaluate(m, Manifest.read(manifest), batchSize, Evaluator::greedy, System.err::println);
      } else {
        BeamSearchOptions.Builder options = BeamSearchOptions.builder().beamWidth(beam);
        if (languageModel != null) options.lm(languageModel, alpha, beta);
        try (BeamSearchDecoder beamSearch = new BeamSearchDecoder(m.labels(), options.build(), m.frameSeconds())) {
          result = Evaluator.evaluate(m, Manifest.read(manifest), batchSize, (sm, e) ->
              beamSearch.decode(e.logProbs(), e.lengths(), EmissionKind.LOG_PROBS).stream().map(n -> n.get(0).text()).toList(),
              System.err::println);
        }
      }
      print(result);
    }
    return 0;
  }

  private void print(Evaluation r) throws Exception {
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
