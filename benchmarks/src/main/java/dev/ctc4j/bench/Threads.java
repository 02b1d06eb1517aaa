package dev.ctc4j.bench;

import dev.ctc4j.Ctc4j;
import org.bytedeco.pytorch.global.torch;

/** The thread count of a benchmark's trial, given to ctc4j (its matrix products included) and libtorch alike. */
final class Threads {
  private Threads() {}

  /** {@code threads} threads for every library; 0 = all cores. */
  static void useEverywhere(int threads) {
    int n = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
    Ctc4j.setThreads(n);
    torch.set_num_threads(n);
  }
}
