package dev.ctc4j;

import dev.ctc4j.bridge.CoreNative;
import dev.ctc4j.bridge.NativeStatus;

/** Facts about the native runtime: version, CPU features in use, the CPU thread pool and the host block cache. */
public final class Ctc4j {
  private Ctc4j() {}

  public static String version() {
    return CoreNative.ctc4j_version().getString();
  }

  /** SIMD features the CPU kernels use here, e.g. "avx2 fma avx512f avxvnni" (or "sse2" on older CPUs). */
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

  /**
   * Closed tensors' host blocks of 2 MiB or more are kept for the next tensor of about their size
   * (a fresh block costs the kernel zeroing its pages), up to {@code bytes} idle in all: 512 MiB by
   * default, 0 keeps none. Lowering the limit frees idle blocks beyond it.
   */
  public static void setHostCacheLimit(long bytes) {
    if (bytes < 0) throw new InvalidInputException("host cache limit must be >= 0 bytes, got " + bytes);
    NativeStatus.check(CoreNative.ctc4j_set_host_cache_limit(bytes), "set host cache limit");
  }

  /** Bytes of host blocks kept idle for reuse now. */
  public static long hostCacheIdleBytes() {
    return CoreNative.ctc4j_host_cache_idle_bytes();
  }

  /**
   * Bytes of host memory ctc4j's tensors and workspaces hold now (the allocator's usable size of every
   * block allocated and not yet freed; idle cached blocks are not counted). A leak check compares it
   * before and after a piece of work.
   */
  public static long hostLiveBytes() {
    return CoreNative.ctc4j_host_live_bytes();
  }
}
