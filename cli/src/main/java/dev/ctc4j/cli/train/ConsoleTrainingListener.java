package dev.ctc4j.cli.train;

import dev.ctc4j.train.TrainingListener;
import java.io.IOException;
import java.io.PrintStream;

/** {@code ctc4j train}'s listener: log lines and a progress bar on a stream, PNG plots after each epoch. */
public final class ConsoleTrainingListener implements TrainingListener {
  private final PrintStream out;
  private final ProgressBar bar;

  /** @param terminal redraw the bar in place (else a plain line every tenth of an epoch) */
  public ConsoleTrainingListener(PrintStream out, boolean terminal) {
    this.out = out;
    this.bar = new ProgressBar(out, terminal);
  }

  @Override
  public void log(String line) {
    out.println(line);
  }

  @Override
  public void epochStarted(int epoch) {
    bar.startEpoch();
  }

  @Override
  public void stepDone(StepProgress progress) {
    bar.update(progress);
  }

  @Override
  public void epochEnded(EpochEnd end) throws IOException {
    TrainingPlots.draw(end);
  }
}
