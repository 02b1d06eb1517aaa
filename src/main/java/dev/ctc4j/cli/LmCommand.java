package dev.ctc4j.cli;

import dev.ctc4j.data.Manifest;
import dev.ctc4j.lm.KneserNeyBuilder;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code ctc4j lm build}: n-gram language models. */
@Command(name = "lm", description = "Build n-gram language models.", mixinStandardHelpOptions = true,
    subcommands = LmCommand.Build.class)
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
}
