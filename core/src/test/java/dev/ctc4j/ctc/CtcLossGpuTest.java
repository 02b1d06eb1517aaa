package dev.ctc4j.ctc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import dev.ctc4j.testing.Gpu;
import dev.ctc4j.testing.Seeds;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The CUDA loss equals the CPU loss (itself checked against libtorch) within the CPU tests'
 * tolerances, for S up to 1000 and T up to 10000, and repeats bit for bit (deterministic).
 */
@Tag("gpu")
class CtcLossGpuTest {
  @Test
  void cudaMatchesCpuAndIsDeterministic() {
    Device gpu = Gpu.require();
    SplittableRandom rng = Seeds.random("CtcLossGpuTest.cudaMatchesCpuAndIsDeterministic");
    CtcCase[] cases = {
      CtcCase.random(rng, 150, 64, 28, 40, 27, 0, CtcLayout.TIME_MAJOR, true, false),
      CtcCase.random(rng, 80, 8, 5000, 20, 4999, 7, CtcLayout.BATCH_MAJOR, false, false),
      CtcCase.random(rng, 3000, 2, 40, 1000, 39, 0, CtcLayout.TIME_MAJOR, false, false),
      CtcCase.random(rng, 10000, 1, 30, 1200, 29, 0, CtcLayout.BATCH_MAJOR, true, false),
      CtcCase.random(rng, 100, 16, 29, 60, 2, 0, CtcLayout.TIME_MAJOR, false, true),
    };
    for (CtcCase c : cases) {
      for (Reduction reduction : Reduction.values()) {
        CtcLoss ctc = CtcLoss.builder().blank(c.blank).reduction(reduction).layout(c.layout).zeroInfinity(rng.nextBoolean()).build();
        boolean fused = c == cases[cases.length - 1];
        double tol = c.time > 1000 ? 2e-3 : CtcLossTest.GRAD_TOL;
        try (Tensor host = Tensor.of(Device.CPU, c.scores, c.shape()); Tensor device = host.to(gpu);
            CtcResult cpu = run(ctc, host, c, fused); CtcResult first = run(ctc, device, c, fused);
            CtcResult second = run(ctc, device, c, fused)) {
          String what = c + " " + reduction;
          double[] expected = new double[(int) host.numel()];
          float[] cpuGrad = cpu.gradient().toFloatArray();
          for (int i = 0; i < expected.length; i++) expected[i] = cpuGrad[i];
          for (int b = 0; b < c.batch; b++) CtcLossTest.assertClose(cpu.losses()[b], first.losses()[b], what + " loss " + b);
          float[] gpuGrad = first.gradient().toFloatArray();
          CtcLossTest.compareGradient(c, expected, gpuGrad, tol, what);
          assertArrayEquals(first.losses(), second.losses(), what + ": repeatable losses");
          assertArrayEquals(gpuGrad, second.gradient().toFloatArray(), what + ": repeatable gradient");
        }
      }
    }
  }

  @Test
  void cudaRejectsNaNNamingTheUtterance() {
    Device gpu = Gpu.require();
    float[] scores = new float[3 * 2 * 4];
    CtcCase.logSoftmaxRows(scores, 4);
    scores[(1 * 2 + 1) * 4 + 2] = Float.NaN;
    try (Tensor host = Tensor.of(Device.CPU, scores, 3, 2, 4); Tensor device = host.to(gpu)) {
      CtcLossTest.expect("utterance 1: log-probability at frame 1, class 2 is NaN", () -> CtcLoss.builder().build()
          .lossAndGradient(device, new long[] {3, 3}, CtcTargets.of(new int[] {1}, new int[] {2})));
    }
  }

  private static CtcResult run(CtcLoss ctc, Tensor x, CtcCase c, boolean fused) {
    return fused ? ctc.lossAndGradientFromActivations(x, c.inputLengths, c.targets())
        : ctc.lossAndGradient(x, c.inputLengths, c.targets());
  }
}
