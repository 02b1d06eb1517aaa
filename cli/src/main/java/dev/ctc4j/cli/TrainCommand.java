package dev.ctc4j.cli;

import dev.ctc4j.cli.train.ConsoleTrainingListener;
import dev.ctc4j.train.TrainConfig;
import dev.ctc4j.train.Trainer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ctc4j train --config FILE [--out DIR] [--resume]}. */
@Command(name = "train", description = "Train a CTC model; see configs/ for ready configurations.")
final class TrainCommand implements Callable<Integer> {
  @Option(names = "--config", required = true, paramLabel = "FILE") Path config;

  @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: runs/<config name>).")
  Path out;

  @Option(names = "--resume", description = "Continue from the output folder's latest checkpoint.")
  boolean resume;

  @Override
  public Integer call() throws Exception {
    TrainConfig parsed = TrainConfig.read(config);
    Path dir = out != null ? out : Path.of("runs", config.getFileName().toString().replaceAll("\\.json$", ""));
    Trainer trainer = new Trainer(parsed, config.toAbsolutePath().getParent(), dir,
        new ConsoleTrainingListener(System.err, System.console() != null));
    Trainer.Result r = trainer.run(resume);
    String best = r.lastDev() == null ? "no epoch finished yet" : String.format("best dev WER %.2f%%, model in %s",
        100 * r.state().bestWer(), dir.resolve("best"));
    System.out.printf("trained to step %d in %.1f s; %s%n", r.state().step(), r.wallSeconds(), best);
    return 0;
  }
}
