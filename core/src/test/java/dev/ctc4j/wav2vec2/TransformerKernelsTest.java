package dev.ctc4j.wav2vec2;

import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.nn.TorchCheck;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.testing.Seeds;
import dev.ctc4j.testing.Torch;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * Each transformer kernel alone against libtorch in float64 on fresh random inputs (time-major
 * arrays transposed to PyTorch's channel-major layout for the reference). Tolerance: 2e-5 relative
 * to (1 + |reference|) — float32 arithmetic with float64 statistics in the norms.
 */
class TransformerKernelsTest {
  private static final double TOL = 2e-5;
  private static final Device CPU = Device.CPU;

  @Test
  void conv1dWithStridePaddingGroupsAndTruncatedOutput() {
    SplittableRandom rng = Seeds.random("TransformerKernelsTest.conv1d");
    int[][] cases = { // steps, in, out, kernel, stride, padding, groups
      {101, 1, 8, 10, 5, 0, 1}, {57, 8, 12, 3, 2, 0, 1}, {40, 12, 12, 2, 2, 0, 1}, {33, 16, 16, 8, 1, 4, 4},
      {29, 12, 12, 7, 1, 3, 3}, {10, 4, 6, 3, 1, 1, 2}, {1100, 64, 16, 32, 1, 16, 1}, // spans several blocks
      {300, 40, 70, 3, 2, 0, 1}, {1100, 64, 128, 2, 2, 0, 1}, // packed: patches read in place (a partial panel)
      {200, 96, 96, 16, 1, 8, 2}, {120, 64, 64, 3, 2, 1, 1} // packed: from a padded copy, by groups
    };
    for (int[] c : cases) {
      int steps = c[0], in = c[1], out = c[2], kernel = c[3], stride = c[4], padding = c[5], groups = c[6];
      float[] x = Seeds.gaussian(rng, steps * in, 1);
      float[] w = Seeds.gaussian(rng, out * in / groups * kernel, 0.3);
      float[] bias = rng.nextBoolean() ? Seeds.gaussian(rng, out, 1) : null;
      long full = (steps + 2L * padding - kernel) / stride + 1;
      for (long outSteps : new long[] {full, full - 1}) {
        // also on the weights packed once, as inference runs them (im2col below a patch of 64)
        float[] ours = KernelCalls.conv1d(CPU, x, steps, in, w, bias, out, kernel, stride, padding, groups, outSteps);
        float[] packed = KernelCalls.conv1d(CPU, x, steps, in, w, bias, out, kernel, stride, padding, groups, outSteps, true);
        try (PointerScope scope = new PointerScope()) {
          Tensor tx = Torch.doubles(TorchCheck.toDoubles(x), 1, steps, in).transpose(1, 2);
          Tensor tw = Torch.doubles(TorchCheck.toDoubles(w), out, in / groups, kernel);
          TensorOptional tb = bias == null ? new TensorOptional()
              : new TensorOptional(Torch.doubles(TorchCheck.toDoubles(bias), out));
          Tensor y = torch.conv1d(tx, tw, tb, new long[] {stride}, new long[] {padding}, new long[] {1}, groups)
              .narrow(2, 0, outSteps).transpose(1, 2);
          // float32 accumulation noise grows with the square root of the dot product's length
          double tol = TOL * Math.max(1, Math.sqrt(in / groups * kernel) / 8);
          TorchCheck.assertClose(Torch.toDoubles(y), ours, tol, "conv1d " + java.util.Arrays.toString(c));
          TorchCheck.assertClose(Torch.toDoubles(y), packed, tol, "packed conv1d " + java.util.Arrays.toString(c));
        }
      }
    }
  }

  @Test
  void conv1dRejectsShortInputsAndBadGroups() {
    float[] x = new float[9 * 2];
    float[] w = new float[4 * 2 * 10];
    InvalidInputException shortInput = assertThrows(InvalidInputException.class,
        () -> KernelCalls.conv1d(CPU, x, 9, 2, w, null, 4, 10, 5, 0, 1, 1));
    org.junit.jupiter.api.Assertions.assertTrue(shortInput.getMessage().contains("shorter than the kernel"),
        shortInput.getMessage());
    assertThrows(InvalidInputException.class, () -> KernelCalls.conv1d(CPU, x, 9, 2, w, null, 4, 3, 1, 0, 3, 7));
    assertThrows(InvalidInputException.class, () -> KernelCalls.conv1d(CPU, x, 9, 2, w, null, 4, 3, 1, 0, 1, 8));
    float[] wg = new float[4 * 1 * 3];
    InvalidInputException grouped = assertThrows(InvalidInputException.class, // packed as one group, run as two
        () -> KernelCalls.conv1d(CPU, x, 9, 2, wg, null, 4, 3, 1, 0, 2, 7, true, 1));
    org.junit.jupiter.api.Assertions.assertTrue(grouped.getMessage().contains("in 2 groups"), grouped.getMessage());
  }

  @Test
  void groupNormWithAndWithoutGelu() {
    SplittableRandom rng = Seeds.random("TransformerKernelsTest.groupNorm");
    // steps, channels, groups, spread: the last case's groups spread 1e-3 about a mean of 3, where
    // x * scale and the shift would be ~1e3 and cancel in float32 unless x is centred first
    int[][] cases = {{1300, 24, 24, 2000}, {77, 24, 6, 2000}, {5, 10, 1, 2000}, {2, 4, 4, 2000}, {64, 8, 4, 1}};
    for (int[] c : cases) {
      int steps = c[0], channels = c[1], groups = c[2];
      float[] x = Seeds.gaussian(rng, steps * channels, c[3] * 1e-3);
      for (int i = 0; i < x.length; i++) x[i] += 3; // an offset the variance must not suffer from
      float[] gamma = Seeds.gaussian(rng, channels, 1), beta = Seeds.gaussian(rng, channels, 1);
      for (boolean gelu : new boolean[] {false, true}) {
        float[] ours = KernelCalls.groupNorm(CPU, x, steps, channels, groups, gamma, beta, 1e-5f, gelu);
        try (PointerScope scope = new PointerScope()) {
          Tensor tx = Torch.doubles(TorchCheck.toDoubles(x), 1, steps, channels).transpose(1, 2);
          Tensor y = torch.group_norm(tx, groups, new TensorOptional(Torch.doubles(TorchCheck.toDoubles(gamma), channels)),
              new TensorOptional(Torch.doubles(TorchCheck.toDoubles(beta), channels)), 1e-5, false);
          if (gelu) y = torch.gelu(y);
          TorchCheck.assertClose(Torch.toDoubles(y.transpose(1, 2)), ours, TOL,
              "group norm " + java.util.Arrays.toString(c) + (gelu ? " + GELU" : ""));
        }
      }
    }
    assertThrows(InvalidInputException.class,
        () -> KernelCalls.groupNorm(CPU, new float[12], 2, 6, 4, new float[6], new float[6], 1e-5f, false));
  }

  @Test
  void geluIsTheErfFormWithAndWithoutResidual() {
    SplittableRandom rng = Seeds.random("TransformerKernelsTest.gelu");
    int n = 40_001;
    float[] x = new float[n];
    for (int i = 0; i < n; i++) x[i] = (float) (-12 + 24.0 * i / (n - 1)); // every regime, both tails
    float[] residual = Seeds.gaussian(rng, n, 1);
    try (PointerScope scope = new PointerScope()) {
      Tensor tx = Torch.doubles(TorchCheck.toDoubles(x), n);
      double[] expected = Torch.toDoubles(torch.gelu(tx)); // approximate="none": x Phi(x) through erf
      TorchCheck.assertClose(expected, KernelCalls.gelu(CPU, x, null), 3e-6, "GELU");
      Tensor withResidual = torch.gelu(tx).add(Torch.doubles(TorchCheck.toDoubles(residual), n));
      TorchCheck.assertClose(Torch.toDoubles(withResidual), KernelCalls.gelu(CPU, x, residual), 3e-6, "residual + GELU");
      // The tanh approximation differs from the erf form by up to ~5e-4: this test tells them apart.
      double[] tanh = Torch.toDoubles(torch.gelu(tx, "tanh"));
      double gap = 0;
      for (int i = 0; i < n; i++) gap = Math.max(gap, Math.abs(tanh[i] - expected[i]));
      org.junit.jupiter.api.Assertions.assertTrue(gap > 1e-4, "tanh and erf GELU differ by " + gap);
    }
  }

  @Test
  void attentionMatchesExplicitSoftmaxOverFusedProjections() {
    SplittableRandom rng = Seeds.random("TransformerKernelsTest.attention");
    int[][] cases = {{1, 1, 1}, {5, 3, 7}, {130, 2, 64}, {300, 4, 24}, {257, 1, 16}, {64, 12, 8}, {100, 2, 80}}; // steps, heads, dim
    for (int[] c : cases) {
      int steps = c[0], heads = c[1], dim = c[2], width = heads * dim, ld = 3 * width + rng.nextInt(5);
      float[] qkv = Seeds.gaussian(rng, steps * ld, 1.5);
      float scale = (float) (1 / Math.sqrt(dim));
      float[] ours = KernelCalls.attention(CPU, qkv, steps, ld, heads, dim, scale);
      try (PointerScope scope = new PointerScope()) {
        Tensor all = Torch.doubles(TorchCheck.toDoubles(qkv), steps, ld);
        Tensor q = all.narrow(1, 0, width).reshape(steps, heads, dim).transpose(0, 1);
        Tensor k = all.narrow(1, width, width).reshape(steps, heads, dim).transpose(0, 1);
        Tensor v = all.narrow(1, 2L * width, width).reshape(steps, heads, dim).transpose(0, 1);
        Tensor p = torch.softmax(q.matmul(k.transpose(1, 2)).mul(new Scalar((double) scale)), -1);
        Tensor out = p.matmul(v).transpose(0, 1).reshape(steps, width);
        TorchCheck.assertClose(Torch.toDoubles(out), ours, TOL, "attention " + java.util.Arrays.toString(c));
      }
    }
    float[] empty = KernelCalls.attention(CPU, new float[0], 0, 12, 2, 2, 1f);
    org.junit.jupiter.api.Assertions.assertEquals(0, empty.length);
    assertThrows(InvalidInputException.class, () -> KernelCalls.attention(CPU, new float[40], 4, 3, 2, 2, 1f));
  }
}
