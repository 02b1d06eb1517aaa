package dev.ctc4j.train;

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

  void update(int epoch, int epochs, int done, int total, double loss, double lr, double utterancesPerSecond) {
    double elapsed = (System.nanoTime() - epochStart) / 1e9;
    long eta = done == 0 ? 0 : Math.round(elapsed / done * (total - done));
    int width = 30, filled = total == 0 ? width : (int) ((long) width * done / total);
    String line = String.format("epoch %d/%d [%s%s] %d/%d loss %.4f lr %.2e %.1f utt/s ETA %d:%02d", epoch + 1, epochs,
        "=".repeat(filled), " ".repeat(width - filled), done, total, loss, lr, utterancesPerSecond, eta / 60, eta % 60);
    if (terminal) {
      out.print("\r" + line);
      if (done == total) out.println();
    } else if (done == total || done % Math.max(1, total / 10) == 0) {
      out.println(line);
    }
    out.flush();
  }
}
