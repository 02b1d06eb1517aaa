package dev.ctc4j.nn;

import dev.ctc4j.bridge.JavaCppSettings;
import dev.ctc4j.bridge.NativeStatus;
import dev.ctc4j.bridge.NnNative;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.openblas.global.openblas;

/**
 * The BLAS behind the layers' matrix products: OpenBLAS from the JavaCPP presets. Java loads it
 * (the presets unpack it and its Fortran runtime from the jar) and hands {@code cblas_sgemm}'s
 * address to the native library once, so libctc4j_cpu has no link-time BLAS dependency. OpenBLAS
 * runs single-threaded: the native side splits each product over ctc4j's own thread pool
 * ({@link dev.ctc4j.Ctc4j#setThreads}), since OpenBLAS's idle threads spin for ~0.1 s after every
 * call and took a core away from the layers' own parallel loops. In a process that also runs libtorch
 * from the JavaCPP presets, libtorch's products go through the same preset's OpenBLAS, whose thread
 * count the two share: set it back with {@code openblas.blas_set_num_threads} for libtorch's sake.
 */
public final class Blas {
  private static volatile boolean ready;

  private Blas() {}

  /** Loads OpenBLAS and connects it to the native layers; idempotent and thread-safe. */
  public static void ensureLoaded() {
    if (ready) return;
    synchronized (Blas.class) {
      if (ready) return;
      JavaCppSettings.apply();
      Loader.load(openblas.class);
      openblas.blas_set_num_threads(1);
      Pointer sgemm = Loader.addressof("cblas_sgemm");
      if (sgemm == null || sgemm.isNull()) throw new IllegalStateException("cblas_sgemm not found in OpenBLAS");
      NativeStatus.check(NnNative.ctc4j_nn_set_sgemm(sgemm), "connect OpenBLAS");
      ready = true;
    }
  }

  /**
   * The BLAS in one line, for {@code ctc4j info}: OpenBLAS picks its kernels for the CPU at load
   * time unless {@code OPENBLAS_CORETYPE} forces a core, which on an AVX-512 machine forced to
   * Haswell halves the speed of every matrix product (measured: 105 against 200 GFLOP/s in sgemm).
   */
  public static String describe() {
    String version = openblas.OPENBLAS_VERSION.strip();
    String forced = System.getenv("OPENBLAS_CORETYPE");
    if (forced == null || forced.isBlank()) return version + ", kernels chosen for this CPU at load time";
    return version + ", kernels forced by OPENBLAS_CORETYPE=" + forced
        + " (unset it unless that core is this CPU's widest: a narrower one slows every product)";
  }
}
