package dev.ctc4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import dev.ctc4j.testing.Gpu;
import dev.ctc4j.testing.Seeds;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The CUDA optimiser kernels (cuda/optim.cu) against the CPU ones, which OptimizerTest checks
 * against libtorch: the same parameters and gradients for several steps, then gradient clipping.
 * Both sides run common/optim.h's per-element update, so only FMA contraction can differ:
 * tolerance 1e-6 relative (+1e-7 absolute).
 */
@Tag("gpu")
class OptimizerGpuTest {
  @Test
  void cudaStepsMatchTheCpu() {
    Device gpu = Gpu.require();
    compare(gpu, "SGD Nesterov + wd", ps -> new Sgd(ps, 0.9, 1e-3, true));
    compare(gpu, "Adam + L2", ps -> new Adam(ps, 0.9, 0.999, 1e-8, 1e-2, false));
    compare(gpu, "AdamW", ps -> Adam.adamW(ps, 0.05));
  }

  private static void compare(Device gpu, String name, Function<List<OptimizerTest.Param>, Optimizer> make) {
    SplittableRandom rng = Seeds.random("OptimizerGpuTest " + name);
    int n = 1_000_003;
    float[] init = Seeds.gaussian(rng, n, 1);
    List<float[]> grads = new ArrayList<>();
    for (int s = 0; s < OptimizerTest.STEPS; s++) grads.add(Seeds.gaussian(rng, n, 1));
    float[] cpu = run(Device.CPU, init, grads, make), cuda = run(gpu, init, grads, make);
    for (int i = 0; i < n; i++) assertEquals(cpu[i], cuda[i], 1e-7 + 1e-6 * Math.abs(cpu[i]), name + " [" + i + "]");
  }

  private static float[] run(Device device, float[] init, List<float[]> grads,
      Function<List<OptimizerTest.Param>, Optimizer> make) {
    try (Tensor value = Tensor.of(device, init, init.length);
        Tensor grad = Tensor.of(device, grads.get(0), init.length);
        Optimizer optimizer = make.apply(List.of(new OptimizerTest.Param(value, grad)))) {
      for (float[] g : grads) {
        grad.write(g);
        optimizer.step(OptimizerTest.LR);
      }
      return value.toFloatArray();
    }
  }

  @Test
  void clippingOnTheDeviceMatchesTheCpu() {
    Device gpu = Gpu.require();
    SplittableRandom rng = Seeds.random("OptimizerGpuTest.clipping");
    float[] g = Seeds.gaussian(rng, 300_007, 2);
    double[] norms = new double[2];
    float[][] clipped = new float[2][];
    Device[] devices = {Device.CPU, gpu};
    for (int d = 0; d < 2; d++) {
      try (Tensor value = Tensor.zeros(devices[d], dev.ctc4j.tensor.DType.F32, g.length);
          Tensor grad = Tensor.of(devices[d], g, g.length)) {
        norms[d] = Optimizer.clipGradNorm(List.of(new OptimizerTest.Param(value, grad)), 1.0);
        clipped[d] = grad.toFloatArray();
      }
    }
    assertEquals(norms[0], norms[1], 1e-9 * norms[0], "gradient norm");
    assertArrayEquals(clipped[0], clipped[1], 1e-7f, "clipped gradient");
  }
}
