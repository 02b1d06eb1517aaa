package dev.ctc4j.train;

import java.nio.file.Path;

/** A training run in a child JVM, for tests that kill it: {@code CONFIG OUT [--resume]}. */
public final class TrainingProcess {
  private TrainingProcess() {}

  public static void main(String[] args) throws Exception {
    Path config = Path.of(args[0]);
    new Trainer(TrainConfig.read(config), config.toAbsolutePath().getParent(), Path.of(args[1]), TrainingListener.NONE)
        .run(args.length > 2 && args[2].equals("--resume"));
  }
}
