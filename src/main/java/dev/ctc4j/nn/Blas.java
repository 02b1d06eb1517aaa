package dev.ctc4j.nn;

import dev.ctc4j.bridge.NativeStatus;
import dev.ctc4j.bridge.NnNative;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.openblas.global.openblas;

/**
 * The BLAS behind the layers' matrix products: OpenBLAS from the JavaCPP presets. Java loads it
 * (the presets unpack it and its Fortran runtime from the jar) and hands {@code cblas_sgemm}'s
 * address to the native library once, so libctc4j_cpu has no link-time BLAS dependency.
 */
public final class Blas {
  private static volatile boolean ready;

  private Blas() {}

  /** Loads OpenBLAS and connects it to the native layers; idempotent and thread-safe. */
  public static void ensureLoaded() {
    if (ready) return;
    synchronized (Blas.class) {
      if (ready) return;
      Loader.load(openblas.class);
      Pointer sgemm = Loader.addressof("cblas_sgemm");
      if (sgemm == null || sgemm.isNull()) throw new IllegalStateException("cblas_sgemm not found in OpenBLAS");
      NativeStatus.check(NnNative.ctc4j_nn_set_sgemm(sgemm), "connect OpenBLAS");
      ready = true;
    }
  }

  /** Threads OpenBLAS uses inside one matrix product (the layers' own loops follow Ctc4j.setThreads). */
  public static void setThreads(int threads) {
    ensureLoaded();
    openblas.blas_set_num_threads(Math.max(1, threads));
  }

  /** OpenBLAS threads, or -1 until set. */
  public static int threads() {
    ensureLoaded();
    return openblas.blas_get_num_threads();
  }
}
