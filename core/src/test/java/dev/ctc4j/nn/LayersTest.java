package dev.ctc4j.nn;

import static dev.ctc4j.nn.TorchCheck.check;
import static dev.ctc4j.testing.Torch.opt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import dev.ctc4j.testing.NativeThreads;
import dev.ctc4j.testing.Seeds;
import dev.ctc4j.testing.Torch;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * Every non-recurrent layer, forward and backward (input and parameter gradients), against
 * libtorch in float64 with the same weights on fresh random inputs. Tolerance: 1e-4 relative to
 * (1 + |reference|) — float32 kernels with float64 accumulation where it matters.
 */
class LayersTest {
  private static final double TOL = 1e-4;
  private static final Device CPU = Device.CPU;

  @Test
  void linear() {
    SplittableRandom rng = Seeds.random("LayersTest.linear");
    for (boolean bias : new boolean[] {true, false}) {
      try (Linear layer = new Linear(CPU, 37, 19, bias, rng)) {
        check(layer, new long[] {3, 5, 37}, rng, true, TOL,
            (x, p) -> torch.linear(x, p.get("weight"), opt(p.get("bias"))));
      }
    }
  }

  /**
   * Products large enough to be split over the thread pool (cpu/nn_blas.cpp): by rows ([300, 300]
   * inputs: forward and input gradient) and by columns (the weight gradient, and a forward pass over
   * 40 rows), at one and at three threads.
   */
  @Test
  void linearProductsSplitOverThreads() throws Exception {
    SplittableRandom rng = Seeds.random("LayersTest.linearSplit");
    for (int threads : new int[] {1, 3}) {
      NativeThreads.with(threads, () -> {
        for (long[] shape : new long[][] {{2, 150, 300}, {1, 40, 300}}) {
          try (Linear layer = new Linear(CPU, 300, 260, true, rng)) {
            check(layer, shape, rng, true, TOL, (x, p) -> torch.linear(x, p.get("weight"), opt(p.get("bias"))));
          }
        }
      });
    }
  }

  /**
   * Inference runs on the weights packed once (from 64 output columns and a depth of 64; sgemm below:
   * the last two shapes); each shape is checked, then checked again after the weight changes, which a
   * stale packing would miss. 600 rows span three row blocks of the packed product.
   */
  @Test
  void linearInferenceOnPackedWeights() {
    SplittableRandom rng = Seeds.random("LayersTest.linearPacked");
    for (int[] dims : new int[][] {{70, 130}, {64, 64}, {96, 200}, {63, 200}, {200, 63}}) {
      int in = dims[0], out = dims[1];
      try (Linear layer = new Linear(CPU, in, out, true, rng)) {
        layer.train(false);
        for (long[] shape : new long[][] {{1, 5, in}, {600, in}}) {
          for (int round = 0; round < 2; round++) {
            if (round == 1) layer.namedParameters().get("weight").set(Seeds.gaussian(rng, in * out, 0.2));
            check(layer, shape, rng, false, TOL, (x, p) -> torch.linear(x, p.get("weight"), opt(p.get("bias"))));
          }
        }
      }
    }
  }

  @Test
  void conv2dWithStridePaddingDilationGroups() {
    SplittableRandom rng = Seeds.random("LayersTest.conv2d");
    int[][] cases = { // in, out, kh, kw, sh, sw, ph, pw, dh, dw, groups
      {1, 4, 5, 3, 2, 2, 2, 1, 1, 1, 1}, {4, 6, 3, 3, 1, 2, 1, 0, 2, 1, 2}, {3, 3, 1, 1, 1, 1, 0, 0, 1, 1, 3},
      // shifted columns at unit width stride: ResCNN's 3x3, DeepSpeech2's 21x11 stride 2x1,
      // width dilation with groups, height dilation with padding wider than half the kernel
      {3, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1}, {2, 3, 21, 11, 2, 1, 10, 5, 1, 1, 1}, {4, 6, 5, 3, 2, 1, 2, 2, 1, 2, 2},
      {2, 3, 3, 4, 1, 1, 0, 3, 2, 1, 1},
      // width stride: 3 phases (stride 3, kernel 5, padding 2); im2col where phases would go unread
      // (stride above the kernel width; width dilation)
      {2, 3, 3, 5, 1, 3, 1, 2, 1, 1, 1}, {2, 3, 3, 2, 1, 3, 1, 1, 1, 1, 1}, {2, 4, 3, 3, 1, 2, 1, 1, 1, 2, 1}
    };
    for (int[] c : cases) {
      try (Convolution layer = Convolution.conv2d(CPU, c[0], c[1], new int[] {c[2], c[3]}, new int[] {c[4], c[5]},
          new int[] {c[6], c[7]}, new int[] {c[8], c[9]}, c[10], true, rng)) {
        check(layer, new long[] {2, c[0], 11, 9}, rng, true, TOL, (x, p) -> torch.conv2d(x, p.get("weight"),
            opt(p.get("bias")), new long[] {c[4], c[5]}, new long[] {c[6], c[7]}, new long[] {c[8], c[9]}, c[10]));
      }
    }
  }

  @Test
  void conv2dWiderThanOneColumnTileAndDeeperThanOneBlock() {
    SplittableRandom rng = Seeds.random("LayersTest.conv2dLarge");
    // 13 output channels: a block of 6 rows, then 4 + 3 (cpu/simd/conv_kernel.cpp over_rows);
    // depth 8 x 21 x 11 = 1848 spans two passes over kk; 750 and 375 (two phases) columns leave tails;
    // 460 wide, k x n = 1848 x 7050 reaches the packed column tiles (cpu/nn_layers.cpp kPackTilesFrom)
    for (int[] strideWidth : new int[][] {{1, 40}, {2, 40}, {1, 460}}) {
      int sw = strideWidth[0];
      try (Convolution layer = Convolution.conv2d(CPU, 8, 13, new int[] {21, 11}, new int[] {2, sw},
          new int[] {10, 5}, new int[] {1, 1}, 1, true, rng)) {
        check(layer, new long[] {1, 8, 30, strideWidth[1]}, rng, true, TOL, (x, p) -> torch.conv2d(x,
            p.get("weight"), opt(p.get("bias")), new long[] {2, sw}, new long[] {10, 5}, new long[] {1, 1}, 1));
      }
    }
  }

  @Test
  void conv1d() {
    SplittableRandom rng = Seeds.random("LayersTest.conv1d");
    try (Convolution layer = Convolution.conv1d(CPU, 6, 4, 5, 2, 2, 1, 2, false, rng)) {
      check(layer, new long[] {3, 6, 17}, rng, true, TOL, (x, p) -> torch.conv1d(x, p.get("weight"), opt(null),
          new long[] {2}, new long[] {2}, new long[] {1}, 2));
    }
    try (Convolution layer = Convolution.conv1d(CPU, 6, 4, 3, 1, 2, 2, 2, true, rng)) { // stride 1, dilated
      check(layer, new long[] {3, 6, 17}, rng, true, TOL, (x, p) -> torch.conv1d(x, p.get("weight"),
          opt(p.get("bias")), new long[] {1}, new long[] {2}, new long[] {2}, 2));
    }
  }

  @Test
  void convRejectsInputSmallerThanKernel() {
    SplittableRandom rng = Seeds.random("LayersTest.convRejects");
    try (Convolution layer = Convolution.conv2d(CPU, 1, 2, new int[] {41, 11}, new int[] {2, 2}, new int[] {0, 0},
        new int[] {1, 1}, 1, true, rng); Tensor x = Tensor.zeros(CPU, dev.ctc4j.tensor.DType.F32, 1, 1, 10, 10)) {
      assertThrows(InvalidInputException.class, () -> layer.forward(x));
    }
  }

  @Test
  void batchNormTrainingUpdatesRunningStatsAndInferenceUsesThem() {
    SplittableRandom rng = Seeds.random("LayersTest.batchNorm");
    try (PointerScope s = new PointerScope(); BatchNorm layer = BatchNorm.channelsSecond(CPU, 5)) {
      layer.namedParameters().get("weight").set(Seeds.gaussian(rng, 5, 1));
      layer.namedParameters().get("bias").set(Seeds.gaussian(rng, 5, 1));
      float[] xv = Seeds.gaussian(rng, 4 * 5 * 7, 2);
      double[] rm = new double[5], rv = {1, 1, 1, 1, 1};
      org.bytedeco.pytorch.Tensor trm = Torch.doubles(rm, 5), trv = Torch.doubles(rv, 5);
      check(layer, new long[] {4, 5, 7}, rng, true, TOL, (x, p) -> torch.batch_norm(x, opt(p.get("weight")),
          opt(p.get("bias")), opt(trm), opt(trv), true, 0.1, 1e-5, false));
      // The running statistics were updated by the forward pass above (on the harness's input).
      TorchCheck.assertClose(Torch.toDoubles(trm), layer.runningMean().value().toFloatArray(), TOL, "running_mean");
      TorchCheck.assertClose(Torch.toDoubles(trv), layer.runningVar().value().toFloatArray(), TOL, "running_var");
      layer.train(false);
      check(layer, new long[] {3, 5}, rng, false, TOL, (x, p) -> torch.batch_norm(x, opt(p.get("weight")),
          opt(p.get("bias")), opt(trm), opt(trv), false, 0.1, 1e-5, false));
      assertEquals(xv.length, 140);
    }
  }

  @Test
  void batchNorm2d() {
    SplittableRandom rng = Seeds.random("LayersTest.batchNorm2d");
    try (PointerScope s = new PointerScope(); BatchNorm layer = BatchNorm.channelsSecond(CPU, 3)) {
      layer.namedParameters().get("weight").set(Seeds.gaussian(rng, 3, 1));
      check(layer, new long[] {2, 3, 4, 5}, rng, true, TOL, (x, p) -> torch.batch_norm(x, opt(p.get("weight")),
          opt(p.get("bias")), opt(null), opt(null), true, 0.1, 1e-5, false));
    }
  }

  @Test
  void sequenceWiseBatchNormIsBatchNorm1dOverAllFrames() {
    SplittableRandom rng = Seeds.random("LayersTest.sequenceWise");
    try (BatchNorm layer = BatchNorm.sequenceWise(CPU, 6)) {
      layer.namedParameters().get("bias").set(Seeds.gaussian(rng, 6, 1));
      check(layer, new long[] {7, 3, 6}, rng, true, TOL, (x, p) -> torch.batch_norm(x.reshape(21, 6),
          opt(p.get("weight")), opt(p.get("bias")), opt(null), opt(null), true, 0.1, 1e-5, false).reshape(7, 3, 6));
    }
  }

  @Test
  void layerNormAndCnnLayerNorm() {
    SplittableRandom rng = Seeds.random("LayersTest.layerNorm");
    try (LayerNorm layer = LayerNorm.lastAxis(CPU, 9)) {
      layer.namedParameters().get("weight").set(Seeds.gaussian(rng, 9, 1));
      layer.namedParameters().get("bias").set(Seeds.gaussian(rng, 9, 1));
      check(layer, new long[] {4, 3, 9}, rng, true, TOL, (x, p) -> torch.layer_norm(x, new long[] {9},
          opt(p.get("weight")), opt(p.get("bias")), 1e-5, false));
    }
    try (LayerNorm layer = LayerNorm.featureAxis(CPU, 8)) { // AssemblyAI CNNLayerNorm: transpose(2, 3), LN, back
      layer.namedParameters().get("weight").set(Seeds.gaussian(rng, 8, 1));
      for (long[] shape : new long[][] {{2, 3, 8, 5}, {1, 2, 8, 150}}) { // 150: blocks of 64 positions, one partial
        check(layer, shape, rng, true, TOL, (x, p) -> torch.layer_norm(x.transpose(2, 3),
            new long[] {8}, opt(p.get("weight")), opt(p.get("bias")), 1e-5, false).transpose(2, 3));
      }
    }
  }

  @Test
  void activations() {
    SplittableRandom rng = Seeds.random("LayersTest.activations");
    try (Activation relu = Activation.relu(); Activation ht = Activation.hardtanh(0, 20);
        Activation narrow = Activation.hardtanh(-0.5f, 1.5f); Activation gelu = Activation.gelu()) {
      check(relu, new long[] {6, 50}, rng, true, TOL, (x, p) -> torch.relu(x));
      check(ht, new long[] {6, 50}, rng, true, TOL, (x, p) -> torch.hardtanh(x, new Scalar(0.0), new Scalar(20.0)));
      check(narrow, new long[] {6, 50}, rng, true, TOL,
          (x, p) -> torch.hardtanh(x, new Scalar(-0.5), new Scalar(1.5)));
      check(gelu, new long[] {6, 50}, rng, true, TOL, (x, p) -> torch.gelu(x));
    }
  }

  @Test
  void logSoftmax() {
    SplittableRandom rng = Seeds.random("LayersTest.logSoftmax");
    try (LogSoftmax layer = new LogSoftmax()) {
      check(layer, new long[] {5, 4, 29}, rng, true, TOL, (x, p) -> torch.log_softmax(x, -1));
    }
  }

  @Test
  void dropoutIsSeededInvertedAndIdentityInInference() {
    SplittableRandom rng = Seeds.random("LayersTest.dropout");
    long seed = rng.nextLong();
    float[] xv = Seeds.gaussian(rng, 20000, 1);
    try (Dropout a = new Dropout(0.25f, seed); Dropout b = new Dropout(0.25f, seed);
        Tensor x = Tensor.of(CPU, xv, 100, 200); Tape tape = new Tape(); Tensor ya = a.forward(x, tape);
        Tensor yb = b.forward(x); Tensor dy = Tensor.of(CPU, xv, 100, 200); Tensor dx = tape.backward(dy)) {
      float[] y = ya.toFloatArray(), d = dx.toFloatArray();
      org.junit.jupiter.api.Assertions.assertArrayEquals(y, yb.toFloatArray(), "same seed, same mask");
      int dropped = 0;
      for (int i = 0; i < y.length; i++) {
        if (y[i] == 0) dropped++;
        else assertEquals(xv[i] / 0.75f, y[i], 1e-5f * (1 + Math.abs(y[i])));
        assertEquals(y[i], d[i], 1e-6f, "backward applies the same mask");
      }
      // 20000 Bernoulli(0.25) draws: mean 5000, standard deviation ~61; allow 6 sigma.
      assertEquals(5000, dropped, 370);
      a.train(false);
      try (Tensor yi = a.forward(x)) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(xv, yi.toFloatArray());
        org.junit.jupiter.api.Assertions.assertNotSame(x, yi, "called directly, x stays the caller's");
      }
      // Through a tape, which takes x: passed on itself where nothing records, copied where the tape does.
      try (Tensor taken = Tensor.of(CPU, xv, 100, 200); Tensor passed = Tape.NONE.apply(a, taken)) {
        org.junit.jupiter.api.Assertions.assertSame(taken, passed);
      }
      try (Tape recording = new Tape(); Tensor copied = recording.apply(a, Tensor.of(CPU, xv, 100, 200))) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(xv, copied.toFloatArray());
      }
    }
  }

  /** repeat_halves (an Rnn's summed directions' backward on CUDA) writes each row twice, exactly. */
  @Test
  void repeatHalvesWritesEachRowTwice() {
    SplittableRandom rng = Seeds.random("LayersTest.repeatHalves");
    int rows = 7, half = 5;
    float[] xv = Seeds.gaussian(rng, rows * half, 1);
    try (Tensor x = Tensor.of(Device.CPU, xv, rows, half);
        Tensor out = Tensor.zeros(Device.CPU, dev.ctc4j.tensor.DType.F32, rows, 2 * half)) {
      dev.ctc4j.bridge.NativeStatus.check(dev.ctc4j.bridge.NnNative.ctc4j_nn_repeat_halves(Device.CPU.nativeId(),
          Ops.ptr(x), rows, half, Ops.ptr(out)), "repeat halves");
      float[] got = out.toFloatArray();
      for (int r = 0; r < rows; r++) {
        for (int j = 0; j < half; j++) {
          assertEquals(xv[r * half + j], got[r * 2 * half + j], "row " + r + " first half");
          assertEquals(xv[r * half + j], got[r * 2 * half + half + j], "row " + r + " second half");
        }
      }
    }
  }
}
