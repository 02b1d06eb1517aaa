package dev.ctc4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ctc4j.data.Manifest;
import dev.ctc4j.decode.BeamSearchOptions;
import dev.ctc4j.eval.LmWeightSearch;
import dev.ctc4j.hub.ModelStore;
import dev.ctc4j.infer.SpeechModel;
import dev.ctc4j.lm.KneserNeyBuilder;
import dev.ctc4j.lm.NgramLanguageModel;
import dev.ctc4j.tensor.Device;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code ctc4j lm build|tune}: n-gram language models and their weight in beam search. */
@Command(name = "lm", description = "Build n-gram language models and tune their weights.",
    mixinStandardHelpOptions = true, subcommands = {LmCommand.Build.class, LmCommand.Tune.class})
public final class LmCommand {

  /** Modified Kneser-Ney estimation with interpolation, as KenLM's lmplz, written as ARPA. */
  @Command(name = "build", mixinStandardHelpOptions = true,
      description = "Estimate an interpolated modified Kneser-Ney model from text (one sentence per line).")
  static final class Build implements Callable<Integer> {
    @Option(names = "--order", required = true, description = "n-gram order (1-16)")
    int order;

    @Option(names = "--text", description = "training text, one sentence per line; repeatable")
    List<Path> texts = List.of();

    @Option(names = "--manifest", description = "a JSON-lines manifest whose transcripts are the text; repeatable")
    List<Path> manifests = List.of();

    @Option(names = {"-o", "--output"}, required = true, description = "the ARPA file to write")
    Path output;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      if (texts.isEmpty() && manifests.isEmpty()) throw new ParameterException(spec.commandLine(),
          "give the training text with --text or --manifest");
      KneserNeyBuilder builder = new KneserNeyBuilder(order);
      for (Path text : texts) builder.addText(text);
      for (Path manifest : manifests) Manifest.read(manifest).forEach(u -> builder.addSentence(u.text()));
      builder.writeArpa(output);
      System.out.println("wrote " + output);
      return 0;
    }
  }

  /** A grid search over alpha and beta on a dev manifest, the model run once. */
  @Command(name = "tune", mixinStandardHelpOptions = true,
      description = "Word and character error rates of beam search with an LM over a grid of alpha and beta; "
          + "use a dev manifest, not the test set.")
  static final class Tune implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR|ID", description = "Model directory or pulled repository id.")
    String model;
    @Option(names = "--manifest", required = true, paramLabel = "FILE", description = "held-out (dev) utterances")
    Path manifest;
    @Option(names = "--lm", required = true, paramLabel = "ARPA") Path lm;
    @Option(names = "--alphas", split = ",", defaultValue = "0.1,0.3,0.5,0.7,0.9,1.1", description = "LM weights")
    double[] alphas;
    @Option(names = "--betas", split = ",", defaultValue = "0,0.5,1,1.5,2,2.5,3", description = "word bonuses")
    double[] betas;
    @Option(names = "--beam-width", description = "Prefixes kept per frame (default: ${DEFAULT-VALUE}).")
    int beamWidth = BeamSearchOptions.DEFAULT_BEAM_WIDTH;
    @Option(names = "--batch-size", defaultValue = "16") int batchSize;
    @Option(names = "--device", defaultValue = "cpu") String device;
    @Option(names = "--json", description = "Print exactly one JSON object {best, grid} on stdout.") boolean json;

    @Override
    public Integer call() throws Exception {
      List<LmWeightSearch.Point> grid;
      try (SpeechModel m = SpeechModel.load(ModelStore.open().resolve(model), Device.parse(device).requireAvailable());
          NgramLanguageModel languageModel = NgramLanguageModel.load(lm)) {
        BeamSearchOptions options = BeamSearchOptions.builder().beamWidth(beamWidth).lm(languageModel, 0, 0).build();
        grid = LmWeightSearch.run(m, Manifest.read(manifest), batchSize, options, alphas, betas, System.err::println);
      }
      LmWeightSearch.Point best = Collections.min(grid, LmWeightSearch.BEST_FIRST);
      if (json) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode out = mapper.createObjectNode().putPOJO("best", best);
        grid.forEach(p -> out.withArray("grid").addPOJO(p));
        System.out.println(mapper.writeValueAsString(out));
      } else {
        grid.forEach(p -> System.out.println(line(p)));
        System.out.println("best: " + line(best));
      }
      return 0;
    }

    private static String line(LmWeightSearch.Point p) {
      return String.format("alpha %.2f beta %.2f  WER %.2f%%  CER %.2f%%", p.alpha(), p.beta(), 100 * p.wer(), 100 * p.cer());
    }
  }
}
