package dev.ctc4j.cli;

import dev.ctc4j.lm.KneserNeyBuilder;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

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

    @Option(names = "--text", required = true, description = "training text; repeat for several files")
    List<Path> texts;

    @Option(names = {"-o", "--output"}, required = true, description = "the ARPA file to write")
    Path output;

    @Override
    public Integer call() throws Exception {
      KneserNeyBuilder builder = new KneserNeyBuilder(order);
      for (Path text : texts) builder.addText(text);
      builder.writeArpa(output);
      System.out.println("wrote " + output);
      return 0;
    }
  }
}
