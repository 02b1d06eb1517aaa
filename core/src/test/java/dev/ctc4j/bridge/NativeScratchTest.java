package dev.ctc4j.bridge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ctc4j.Ctc4j;
import dev.ctc4j.ctc.CtcLoss;
import dev.ctc4j.ctc.CtcResult;
import dev.ctc4j.ctc.CtcTargets;
import dev.ctc4j.ctc.Reduction;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import dev.ctc4j.testing.NativeThreads;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The kernels' scratch arenas (core/src/main/cpp/support/scratch.h): the native unit tests show that
 * two kernels on one thread are never handed the same memory and that what a thread keeps after a
 * call is bounded; here the same bound holds through the C API after a large CTC call, the results do
 * not depend on the limit, and scratch stays out of the host live-byte count the leak check reads.
 */
class NativeScratchTest {
  private static final long LIMIT = 1 << 20;

  @Test
  void nativeUnitTestsPass() throws IOException, InterruptedException {
    Path target = Path.of(System.getProperty("ctc4j.test.target", "target")).toAbsolutePath();
    Path tests = target.resolve("cmake").resolve("ctc4j_native_tests");
    assertTrue(Files.isExecutable(tests), tests + " was not built");
    Process p = new ProcessBuilder(tests.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the native unit tests did not finish");
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("nested frame's buffers lie apart") && out.contains("0 failed"), out);
  }

  /**
   * ctc4j_scratch_bytes counts every thread's arena, and threads earlier tests used keep what they were
   * allowed to (the default limit is 64 MiB), so the bound is checked on what this test's calls add: they
   * run on a fresh thread with a fresh pool worker (NativeThreads resizes the pool), whose arenas start empty.
   */
  @Test
  void heldScratchIsBoundedAfterALargeCallAndResultsDoNotDependOnIt() throws Exception {
    long seed = System.nanoTime();
    System.out.println("[seed] NativeScratchTest ctc4j.seed=" + seed);
    SplittableRandom rng = new SplittableRandom(seed);
    int time = 3000, batch = 2, classes = 40, labels = 300, threads = 2;
    float[] scores = new float[time * batch * classes];
    for (int i = 0; i < scores.length; i++) scores[i] = (float) rng.nextGaussian();
    int[][] targets = new int[batch][labels];
    for (int[] t : targets) for (int i = 0; i < labels; i++) t[i] = 1 + rng.nextInt(classes - 1);
    long[] lengths = {time, time - 17};
    CtcLoss loss = CtcLoss.builder().reduction(Reduction.NONE).build();
    long limit = CoreNative.ctc4j_scratch_limit();
    long liveBefore = Ctc4j.hostLiveBytes();
    NativeThreads.with(threads, () -> onFreshThread(() -> {
      long heldBefore = CoreNative.ctc4j_scratch_bytes();
      float[] losses, gradient, boundedLosses, boundedGradient;
      try (Tensor x = Tensor.of(Device.CPU, scores, time, batch, classes)) {
        // Linear-space rows of 3000 frames x ~600 positions in double: ~30 MB a thread, far above the limit.
        try (CtcResult r = loss.lossAndGradientFromActivations(x, lengths, CtcTargets.of(targets))) {
          losses = r.losses();
          gradient = r.gradient().toFloatArray();
        }
        NativeStatus.check(CoreNative.ctc4j_set_scratch_limit(LIMIT), "scratch limit");
        try (CtcResult r = loss.lossAndGradientFromActivations(x, lengths, CtcTargets.of(targets))) {
          boundedLosses = r.losses();
          boundedGradient = r.gradient().toFloatArray();
        }
        long added = CoreNative.ctc4j_scratch_bytes() - heldBefore;
        assertTrue(added <= threads * LIMIT,
            "after the call this test's threads hold " + added + " scratch bytes, above " + threads + " x " + LIMIT);
      } finally {
        NativeStatus.check(CoreNative.ctc4j_set_scratch_limit(limit), "scratch limit");
      }
      assertArrayEquals(losses, boundedLosses);
      assertArrayEquals(gradient, boundedGradient);
    }));
    assertEquals(liveBefore, Ctc4j.hostLiveBytes(), "scratch must not count as live host memory");
  }

  /** Runs body on a new thread (whose arena starts empty) and rethrows what it threw. */
  private static void onFreshThread(NativeThreads.Body body) throws Exception {
    ExecutorService thread = Executors.newSingleThreadExecutor();
    try {
      thread.submit(() -> {
        body.run();
        return null;
      }).get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) throw cause;
      throw (Error) e.getCause();
    } finally {
      thread.shutdown();
    }
  }
}
