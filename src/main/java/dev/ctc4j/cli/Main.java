package dev.ctc4j.cli;

import dev.ctc4j.Ctc4jException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ctc4j} command line. */
@Command(
    name = "ctc4j",
    mixinStandardHelpOptions = true,
    versionProvider = InfoCommand.Version.class,
    description = "CTC speech recognition with native CPU and CUDA kernels.",
    subcommands = {InfoCommand.class, FeaturesCommand.class, PrepareCommand.class, LmCommand.class,
        TrainCommand.class, EvalCommand.class, TranscribeCommand.class, AlignCommand.class, ServeCommand.class,
        ImportCommand.class})
public final class Main {
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the CLI and returns the exit code: 0 success, 1 bad input or failure, 2 bad usage. */
  public static int run(String... args) {
    return new CommandLine(new Main())
        .setExecutionExceptionHandler((e, cmd, parsed) -> {
          if (!(e instanceof Ctc4jException)) throw e;
          cmd.getErr().println("error: " + e.getMessage());
          return 1;
        })
        .execute(args);
  }
}
