package dev.ctc4j.train;

import static dev.ctc4j.nn.TorchCheck.toDoubles;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.nn.Trainable;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import dev.ctc4j.testing.Seeds;
import dev.ctc4j.testing.Torch;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamOptions;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.SGDOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * Our fused updates against libtorch's torch::optim (float64) over several steps with fresh
 * random gradients each step. Tolerance: 1e-5 relative (float32 state against float64).
 */
class OptimizerTest {
  record Param(Tensor value, Tensor grad) implements Trainable {}

  static final int STEPS = 6;
  static final double LR = 0.01;

  @Test
  void sgdMatchesLibtorch() {
    compare("SGD", ps -> new Sgd(ps, 0, 0, false), p -> new org.bytedeco.pytorch.SGD(p, new SGDOptions(LR)));
    compare("SGD momentum + wd", ps -> new Sgd(ps, 0.9, 1e-3, false), p -> {
      SGDOptions o = new SGDOptions(LR);
      o.momentum().put(0.9);
      o.weight_decay().put(1e-3);
      return new org.bytedeco.pytorch.SGD(p, o);
    });
    compare("SGD Nesterov", ps -> new Sgd(ps, 0.8, 0, true), p -> {
      SGDOptions o = new SGDOptions(LR);
      o.momentum().put(0.8);
      o.nesterov().put(true);
      return new org.bytedeco.pytorch.SGD(p, o);
    });
  }

  @Test
  void adamAndAdamWMatchLibtorch() {
    compare("Adam + L2", ps -> new Adam(ps, 0.9, 0.999, 1e-8, 1e-2, false), p -> {
      AdamOptions o = new AdamOptions(LR);
      o.weight_decay().put(1e-2);
      return new org.bytedeco.pytorch.Adam(p, o);
    });
    compare("AdamW", ps -> Adam.adamW(ps, 0.05), p -> {
      AdamWOptions o = new AdamWOptions(LR);
      o.weight_decay().put(0.05);
      return new org.bytedeco.pytorch.AdamW(p, o);
    });
  }

  private static void compare(String name, Function<List<Param>, Optimizer> ours,
      Function<TensorVector, org.bytedeco.pytorch.Optimizer> theirs) {
    SplittableRandom rng = Seeds.random("OptimizerTest " + name);
    int[] sizes = {37, 1000};
    List<float[]> init = new ArrayList<>();
    for (int n : sizes) init.add(Seeds.gaussian(rng, n, 1));
    List<Param> params = new ArrayList<>();
    try (PointerScope scope = new PointerScope()) {
      TensorVector torchParams = new TensorVector();
      for (float[] v : init) {
        params.add(new Param(Tensor.of(Device.CPU, v, v.length), Tensor.zeros(Device.CPU, dev.ctc4j.tensor.DType.F32, v.length)));
        torchParams.push_back(Torch.doubles(toDoubles(v), v.length).requires_grad_(true));
      }
      org.bytedeco.pytorch.Optimizer reference = theirs.apply(torchParams);
      try (Optimizer optimizer = ours.apply(params)) {
        for (int step = 0; step < STEPS; step++) {
          reference.zero_grad();
          for (int i = 0; i < sizes.length; i++) {
            float[] g = Seeds.gaussian(rng, sizes[i], 1);
            params.get(i).grad().write(g);
            torch.sum(torchParams.get(i).mul(Torch.doubles(toDoubles(g), g.length))).backward();
          }
          optimizer.step(LR);
          reference.step();
        }
        for (int i = 0; i < sizes.length; i++) {
          double[] expected = Torch.toDoubles(torchParams.get(i));
          float[] actual = params.get(i).value().toFloatArray();
          for (int k = 0; k < expected.length; k++) {
            assertEquals(expected[k], actual[k], 1e-5 * Math.max(1, Math.abs(expected[k])), name + " param " + i + "[" + k + "]");
          }
        }
        assertEquals(STEPS, optimizer.steps());
      }
    } finally {
      params.forEach(p -> {
        p.value().close();
        p.grad().close();
      });
    }
  }

  @Test
  void stateRoundTripsForExactResume() {
    SplittableRandom rng = Seeds.random("OptimizerTest.resume");
    float[] v0 = Seeds.gaussian(rng, 50, 1), g = Seeds.gaussian(rng, 50, 1);
    try (Tensor a = Tensor.of(Device.CPU, v0, 50); Tensor ga = Tensor.of(Device.CPU, g, 50);
        Tensor b = Tensor.of(Device.CPU, v0, 50); Tensor gb = Tensor.of(Device.CPU, g, 50);
        Adam first = new Adam(List.of(new Param(a, ga)), 0.9, 0.99, 1e-8, 0, false);
        Adam second = new Adam(List.of(new Param(b, gb)), 0.9, 0.99, 1e-8, 0, false)) {
      for (int i = 0; i < 3; i++) first.step(0.1);
      for (int i = 0; i < 3; i++) second.step(0.1);
      Map<String, float[]> saved = new HashMap<>();
      first.state().forEach((k, t) -> saved.put(k, t.toFloatArray()));
      try (Tensor c = Tensor.of(Device.CPU, a.toFloatArray(), 50); Tensor gc = Tensor.of(Device.CPU, g, 50);
          Adam resumed = new Adam(List.of(new Param(c, gc)), 0.9, 0.99, 1e-8, 0, false)) {
        resumed.load(saved, first.steps());
        for (int i = 0; i < 4; i++) {
          resumed.step(0.1);
          second.step(0.1);
        }
        assertArrayEquals(b.toFloatArray(), c.toFloatArray(), "resumed == uninterrupted, bit for bit");
        saved.remove("0.exp_avg");
        assertThrows(InvalidInputException.class, () -> resumed.load(saved, 1));
      }
    }
  }

  @Test
  void clipsTheGlobalGradientNormAsPyTorch() {
    float[] g1 = {3, 0}, g2 = {0, 4};  // global norm 5
    try (Tensor v1 = Tensor.of(Device.CPU, new float[2], 2); Tensor t1 = Tensor.of(Device.CPU, g1, 2);
        Tensor v2 = Tensor.of(Device.CPU, new float[2], 2); Tensor t2 = Tensor.of(Device.CPU, g2, 2)) {
      List<Param> ps = List.of(new Param(v1, t1), new Param(v2, t2));
      assertEquals(5.0, Optimizer.clipGradNorm(ps, 10), 1e-9);
      assertArrayEquals(g1, t1.toFloatArray(), "no clipping under the limit");
      assertEquals(5.0, Optimizer.clipGradNorm(ps, 1), 1e-9);
      double scale = 1 / (5 + 1e-6);
      assertArrayEquals(new float[] {(float) (3 * scale), 0}, t1.toFloatArray(), 1e-6f);
      assertArrayEquals(new float[] {0, (float) (4 * scale)}, t2.toFloatArray(), 1e-6f);
    }
  }
}
