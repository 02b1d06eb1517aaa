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
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
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

  @Test
  void heldScratchIsBoundedAfterALargeCallAndResultsDoNotDependOnIt() {
    long seed = System.nanoTime();
    System.out.println("[seed] NativeScratchTest ctc4j.seed=" + seed);
    SplittableRandom rng = new SplittableRandom(seed);
    int time = 3000, batch = 2, classes = 40, labels = 300;
    float[] scores = new float[time * batch * classes];
    for (int i = 0; i < scores.length; i++) scores[i] = (float) rng.nextGaussian();
    int[][] targets = new int[batch][labels];
    for (int[] t : targets) for (int i = 0; i < labels; i++) t[i] = 1 + rng.nextInt(classes - 1);
    long[] lengths = {time, time - 17};
    CtcLoss loss = CtcLoss.builder().reduction(Reduction.NONE).build();
    long limit = CoreNative.ctc4j_scratch_limit();
    long liveBefore = Ctc4j.hostLiveBytes();
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
      long held = CoreNative.ctc4j_scratch_bytes();
      assertTrue(held <= Ctc4j.threads() * LIMIT,
          "after the call " + held + " scratch bytes are held, above " + Ctc4j.threads() + " threads x " + LIMIT);
    } finally {
      NativeStatus.check(CoreNative.ctc4j_set_scratch_limit(limit), "scratch limit");
    }
    assertArrayEquals(losses, boundedLosses);
    assertArrayEquals(gradient, boundedGradient);
    assertEquals(liveBefore, Ctc4j.hostLiveBytes(), "scratch must not count as live host memory");
  }
}
