package dev.ctc4j.cli.train;

import dev.ctc4j.train.TrainingListener.StepProgress;
import java.io.PrintStream;

/**
 * One line of training progress: a bar redrawn in place on a terminal; on a pipe or CI log, a plain
 * line every tenth of the epoch, so logs stay readable.
 */
final class ProgressBar {
  private final PrintStream out;
  private final boolean terminal;
  private long epochStart;

  ProgressBar(PrintStream out, boolean terminal) {
    this.out = out;
    this.terminal = terminal;
  }

  void startEpoch() {
    epochStart = System.nanoTime();
  }

  void update(StepProgress p) {
    int done = p.batch(), total = p.batchesPerEpoch();
    double elapsed = (System.nanoTime() - epochStart) / 1e9;
    long eta = done == 0 ? 0 : Math.round(elapsed / done * (total - done));
    int width = 30, filled = total == 0 ? width : (int) ((long) width * done / total);
    String line = String.format("epoch %d/%d [%s%s] %d/%d loss %.4f lr %.2e %.1f utt/s ETA %d:%02d", p.epoch() + 1,
        p.epochs(), "=".repeat(filled), " ".repeat(width - filled), done, total, p.loss(), p.learningRate(),
        p.utterancesPerSecond(), eta / 60, eta % 60);
    if (terminal) {
      out.print("\r" + line);
      if (done == total) out.println();
    } else if (done == total || done % Math.max(1, total / 10) == 0) {
      out.println(line);
    }
    out.flush();
  }
}
