package dev.ctc4j.cli;

import dev.ctc4j.Ctc4jException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
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
        ImportCommand.class, ModelsCommand.class, ExportCommand.class, QuantizeCommand.class})
public final class Main {
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the CLI and returns the exit code: 0 success, 1 bad input or failure, 2 bad usage. */
  public static int run(String... args) {
    return new CommandLine(new Main())
        .setExecutionExceptionHandler((e, cmd, parsed) -> {
          String message = message(e);
          if (message == null) throw e;
          cmd.getErr().println("error: " + message);
          return 1;
        })
        .execute(args);
  }

  /** What to tell the user about an expected failure (bad input, a file that cannot be read); null for a bug. */
  private static String message(Exception e) {
    if (e instanceof Ctc4jException) return e.getMessage();
    if (e instanceof UncheckedIOException u) return u.getMessage() + ": " + message(u.getCause());
    if (e instanceof NoSuchFileException f) return "no such file: " + f.getFile();
    if (e instanceof AccessDeniedException f) return "permission denied: " + f.getFile();
    if (e instanceof IOException) return e.getMessage() != null ? e.getMessage() : e.toString();
    return null;
  }
}
