package dev.ctc4j;

import dev.ctc4j.bridge.CoreNative;
import dev.ctc4j.bridge.NativeStatus;

/** Facts about the native runtime: version, CPU features in use, and the CPU thread pool. */
public final class Ctc4j {
  private Ctc4j() {}

  public static String version() {
    return CoreNative.ctc4j_version().getString();
  }

  /** SIMD features the CPU kernels use here, e.g. "avx2 fma" (or "sse2" on older CPUs). */
  public static String cpuFeatures() {
    return CoreNative.ctc4j_cpu_features().getString();
  }

  /** Threads the native CPU kernels use for one call (the calling thread included). */
  public static int threads() {
    return CoreNative.ctc4j_num_threads();
  }

  public static void setThreads(int threads) {
    NativeStatus.check(CoreNative.ctc4j_set_num_threads(threads), "set threads");
  }
}
