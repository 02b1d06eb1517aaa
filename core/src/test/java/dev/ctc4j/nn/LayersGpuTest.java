package dev.ctc4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import dev.ctc4j.testing.Gpu;
import dev.ctc4j.testing.Seeds;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The layers built for CUDA equal their CPU twins (themselves checked against libtorch in LayersTest),
 * forward and backward through a tape: linear (cuBLAS) within 1e-4 relative to (1 + |CPU value|), float
 * sums of up to 300 products in another order; activations and log-softmax within 1e-5; dropout's mask
 * and gradient exactly (the same counter-based draw).
 */
@Tag("gpu")
class LayersGpuTest {
  @Test
  void linearMatchesTheCpu() {
    Device gpu = Gpu.require();
    SplittableRandom rng = Seeds.random("LayersGpuTest.linear");
    for (int[] c : new int[][] {{1, 300, 260}, {37, 50, 29}, {300, 300, 130}}) { // rows, in, out
      int rows = c[0], in = c[1], out = c[2];
      try (Linear cpu = new Linear(Device.CPU, in, out, true, rng); Linear cuda = new Linear(gpu, in, out, true, rng)) {
        for (String name : new String[] {"weight", "bias"}) {
          cuda.namedParameters().get(name).set(cpu.namedParameters().get(name).value().toFloatArray());
        }
        float[] x = Seeds.gaussian(rng, rows * in, 1), dy = Seeds.gaussian(rng, rows * out, 1);
        long[] shape = {rows, in}, outShape = {rows, out};
        String at = " at " + Arrays.toString(c);
        compare(pass(cpu, Device.CPU, x, shape, dy, outShape), pass(cuda, gpu, x, shape, dy, outShape), 1e-4, at);
        for (String name : new String[] {"weight", "bias"}) {
          TorchCheck.assertClose(TorchCheck.toDoubles(cpu.namedParameters().get(name).grad().toFloatArray()),
              cuda.namedParameters().get(name).grad().toFloatArray(), 1e-4, name + " gradient" + at);
        }
      }
    }
  }

  @Test
  void activationsAndLogSoftmaxMatchTheCpu() {
    Device gpu = Gpu.require();
    SplittableRandom rng = Seeds.random("LayersGpuTest.activations");
    long[] shape = {77, 301};
    float[] x = Seeds.gaussian(rng, 77 * 301, 3), dy = Seeds.gaussian(rng, 77 * 301, 1);
    for (Layer layer : new Layer[] {Activation.relu(), Activation.hardtanh(-1, 2), Activation.gelu(),
        new LogSoftmax()}) {
      try (layer) {
        compare(pass(layer, Device.CPU, x, shape, dy, shape), pass(layer, gpu, x, shape, dy, shape), 1e-5,
            " of " + layer.getClass().getSimpleName());
      }
    }
  }

  @Test
  void dropoutDrawsTheSameMask() {
    Device gpu = Gpu.require();
    SplittableRandom rng = Seeds.random("LayersGpuTest.dropout");
    long seed = rng.nextLong();
    float[] x = Seeds.gaussian(rng, 20_000, 1), dy = Seeds.gaussian(rng, 20_000, 1);
    long[] shape = {100, 200};
    try (Dropout cpu = new Dropout(0.25f, seed); Dropout cuda = new Dropout(0.25f, seed)) {
      float[][] want = pass(cpu, Device.CPU, x, shape, dy, shape), got = pass(cuda, gpu, x, shape, dy, shape);
      assertArrayEquals(want[0], got[0], "dropout output");
      assertArrayEquals(want[1], got[1], "dropout gradient");
    }
  }

  /** The layer's output and input gradient on one device. */
  private static float[][] pass(Layer layer, Device device, float[] xv, long[] shape, float[] dyv, long[] outShape) {
    try (Tensor x = Tensor.of(device, xv, shape); Tape tape = new Tape(); Tensor y = layer.forward(x, tape);
        Tensor dy = Tensor.of(device, dyv, outShape); Tensor dx = tape.backward(dy)) {
      return new float[][] {y.toFloatArray(), dx.toFloatArray()};
    }
  }

  private static void compare(float[][] cpu, float[][] gpu, double tol, String what) {
    TorchCheck.assertClose(TorchCheck.toDoubles(cpu[0]), gpu[0], tol, "output" + what + " (CUDA vs CPU)");
    TorchCheck.assertClose(TorchCheck.toDoubles(cpu[1]), gpu[1], tol, "input gradient" + what + " (CUDA vs CPU)");
  }
}
