package dev.ctc4j.wav2vec2;

import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ctc4j.DeviceUnavailableException;
import dev.ctc4j.nn.TorchCheck;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.testing.Gpu;
import dev.ctc4j.testing.Seeds;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The CUDA group norm, GELU and attention kernels equal the CPU ones (themselves checked against
 * libtorch) within 2e-5 relative to (1 + |CPU value|); conv1d answers that it needs a device GEMM.
 */
@Tag("gpu")
class TransformerKernelsGpuTest {
  private static final double TOL = 2e-5;

  @Test
  void cudaKernelsMatchTheCpu() {
    Device gpu = Gpu.require();
    SplittableRandom rng = Seeds.random("TransformerKernelsGpuTest.cudaKernelsMatchTheCpu");
    for (int[] c : new int[][] {{1300, 24, 24}, {77, 24, 6}, {499, 512, 512}}) { // steps, channels, groups
      float[] x = Seeds.gaussian(rng, c[0] * c[1], 2);
      float[] gamma = Seeds.gaussian(rng, c[1], 1), beta = Seeds.gaussian(rng, c[1], 1);
      compare(KernelCalls.groupNorm(Device.CPU, x, c[0], c[1], c[2], gamma, beta, 1e-5f, true),
          KernelCalls.groupNorm(gpu, x, c[0], c[1], c[2], gamma, beta, 1e-5f, true), "group norm");
    }
    float[] x = Seeds.gaussian(rng, 100_003, 4), residual = Seeds.gaussian(rng, 100_003, 1);
    compare(KernelCalls.gelu(Device.CPU, x, residual), KernelCalls.gelu(gpu, x, residual), "GELU");
    for (int[] c : new int[][] {{1, 1, 1}, {130, 2, 64}, {499, 12, 64}, {300, 4, 24}, {77, 1, 128}}) {
      int steps = c[0], heads = c[1], dim = c[2], ld = 3 * heads * dim + 3;
      float[] qkv = Seeds.gaussian(rng, steps * ld, 1.5);
      float scale = (float) (1 / Math.sqrt(dim));
      compare(KernelCalls.attention(Device.CPU, qkv, steps, ld, heads, dim, scale),
          KernelCalls.attention(gpu, qkv, steps, ld, heads, dim, scale), "attention " + java.util.Arrays.toString(c));
    }
  }

  @Test
  void conv1dNeedsTheCpu() {
    Device gpu = Gpu.require();
    assertThrows(DeviceUnavailableException.class,
        () -> KernelCalls.conv1d(gpu, new float[20], 10, 2, new float[12], null, 2, 3, 1, 0, 1, 8));
  }

  private static void compare(float[] cpu, float[] gpu, String what) {
    TorchCheck.assertClose(TorchCheck.toDoubles(cpu), gpu, TOL, what + " (CUDA vs CPU)");
  }
}
