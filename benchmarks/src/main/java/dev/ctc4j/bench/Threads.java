package dev.ctc4j.bench;

import dev.ctc4j.Ctc4j;
import dev.ctc4j.nn.Blas;
import org.bytedeco.openblas.global.openblas;
import org.bytedeco.pytorch.global.torch;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * The thread count of a benchmark's trial, given to ctc4j and libtorch alike. ctc4j runs its matrix
 * products as single-threaded OpenBLAS calls on its own pool; libtorch's go through the OpenBLAS of the
 * same JavaCPP preset, and in one process the two share its thread count (setting one sets both). So a
 * libtorch trial (a method named torch*, in a fork of its own) sets it after ctc4j has loaded: to n,
 * libtorch's default at n = all cores, or to {@code -Dbench.peerBlasThreads} when given.
 */
final class Threads {
  private Threads() {}

  /** {@code threads} threads for every library; 0 = all cores. */
  static void useEverywhere(int threads, BenchmarkParams trial) {
    int n = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
    Ctc4j.setThreads(n);
    torch.set_num_threads(n);
    Blas.ensureLoaded();
    if (trial.getBenchmark().contains(".torch")) {
      openblas.blas_set_num_threads(Integer.getInteger("bench.peerBlasThreads", n));
    }
  }
}
