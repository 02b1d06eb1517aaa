package dev.ctc4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import dev.ctc4j.testing.Seeds;
import dev.ctc4j.testing.Torch;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import org.bytedeco.javacpp.PointerScope;

/**
 * Runs one of our layers and a libtorch float64 reference with the same weights on the same
 * random input, and compares outputs, input gradients and parameter gradients for a random
 * output gradient (the loss is sum(y * g)).
 */
public final class TorchCheck {
  private TorchCheck() {}

  /** Differences allowed: |ours - reference| <= tol * (1 + |reference|). */
  public static void assertClose(double[] expected, float[] actual, double tol, String what) {
    assertEquals(expected.length, actual.length, what + ": length");
    double worst = 0;
    int at = -1;
    for (int i = 0; i < expected.length; i++) {
      double err = Math.abs(expected[i] - actual[i]) / (1 + Math.abs(expected[i]));
      if (!(err <= worst)) {
        worst = err;
        at = i;
      }
    }
    double w = worst;
    int a = at;
    assertTrue(worst <= tol, () -> what + ": relative error " + w + " at " + a + " (expected " + expected[a]
        + ", got " + actual[a] + "), tolerance " + tol);
  }

  /** Differences allowed: max |ours - reference| <= tol * max |reference| (for gradients of any scale). */
  public static void assertCloseToScale(double[] expected, float[] actual, double tol, String what) {
    assertCloseToScale(expected, actual, tol, 0, what);
  }

  /**
   * As above with the scale at least {@code minScale}: for references that are exactly zero in
   * theory (a bias feeding a normalisation) and float32 rounding noise in practice.
   */
  public static void assertCloseToScale(double[] expected, float[] actual, double tol, double minScale,
      String what) {
    assertEquals(expected.length, actual.length, what + ": length");
    double scale = minScale, worst = 0;
    int at = -1;
    for (int i = 0; i < expected.length; i++) {
      scale = Math.max(scale, Math.abs(expected[i]));
      double err = Math.abs(expected[i] - actual[i]);
      if (!(err <= worst)) {
        worst = err;
        at = i;
      }
    }
    double w = worst, s = scale;
    int a = at;
    assertTrue(worst <= tol * scale, () -> what + ": error " + w + " at " + a + " (expected " + expected[a]
        + ", got " + actual[a] + ") exceeds " + tol + " x largest magnitude " + s);
  }

  public static double[] toDoubles(float[] x) {
    double[] d = new double[x.length];
    for (int i = 0; i < x.length; i++) d[i] = x[i];
    return d;
  }

  public static org.bytedeco.pytorch.Tensor leaf(float[] values, long... shape) {
    return Torch.doubles(toDoubles(values), shape).requires_grad_(true);
  }

  /**
   * reference(x, parameters by state_dict name) builds the libtorch output from leaf tensors. With
   * backward false only the forward pass is compared (inference mode). The layer's gradients are
   * zeroed first, so a layer can be checked on several shapes in turn.
   */
  static void check(Layer layer, long[] shape, SplittableRandom rng, boolean backward, double tol,
      BiFunction<org.bytedeco.pytorch.Tensor, Map<String, org.bytedeco.pytorch.Tensor>, org.bytedeco.pytorch.Tensor> reference) {
    int n = Math.toIntExact(Ops.product(shape, 0, shape.length));
    float[] xv = Seeds.gaussian(rng, n, 1.0);
    layer.zeroGrad();
    try (PointerScope scope = new PointerScope(); Tensor x = Tensor.of(Device.CPU, xv, shape)) {
      org.bytedeco.pytorch.Tensor tx = leaf(xv, shape);
      Map<String, org.bytedeco.pytorch.Tensor> params = new LinkedHashMap<>();
      layer.stateDict().forEach((name, p) -> params.put(name, leaf(p.value().toFloatArray(), p.shape())));
      org.bytedeco.pytorch.Tensor ty = reference.apply(tx, params);
      try (Tape tape = backward ? new Tape() : Tape.NONE; Tensor y = layer.forward(x, tape)) {
        assertClose(Torch.toDoubles(ty), y.toFloatArray(), tol, "forward");
        if (!backward) return;
        float[] g = Seeds.gaussian(rng, (int) y.numel(), 1.0);
        ty.mul(Torch.doubles(toDoubles(g), y.shape())).sum().backward();
        try (Tensor dy = Tensor.of(Device.CPU, g, y.shape()); Tensor dx = tape.backward(dy)) {
          assertClose(Torch.toDoubles(tx.grad()), dx.toFloatArray(), tol, "input gradient");
        }
        layer.namedParameters().forEach((name, p) ->
            assertClose(Torch.toDoubles(params.get(name).grad()), p.grad().toFloatArray(), tol, name + " gradient"));
      }
    }
  }
}
