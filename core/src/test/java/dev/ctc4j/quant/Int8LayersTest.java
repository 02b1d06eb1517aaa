package dev.ctc4j.quant;

import static dev.ctc4j.nn.TorchCheck.assertCloseToScale;
import static dev.ctc4j.nn.TorchCheck.toDoubles;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ctc4j.nn.Convolution;
import dev.ctc4j.nn.Linear;
import dev.ctc4j.nn.Rnn;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import dev.ctc4j.testing.NativeThreads;
import dev.ctc4j.testing.Seeds;
import dev.ctc4j.testing.Torch;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.T_TensorTensorDoubleLong_T;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The int8 layers: exactly the scheme (Int8Reference: the dequantized integer product of rows
 * quantized in Java; 1e-6 of the output's scale, the float rounding of dequantization), close to their
 * float32 versions, and against libtorch's dynamic quantization (fbgemm's int8 linear and
 * quantized_gru_cell: per-tensor weights and activations, u8 with a zero point) where comparable.
 * Tolerances are of the largest output magnitude; the measured errors are printed.
 */
class Int8LayersTest {
  /** A quantized copy's error against float32, as a fraction of the largest output, on these random inputs. */
  private static final double FLOAT_TOLERANCE = 0.02;
  /** Recurrent outputs (in [-1, 1]) after the error has gone round the recurrence, absolute. */
  private static final double RNN_TOLERANCE = 0.03;

  /** Rows whose magnitudes differ: per-row quantization has to matter. */
  private static float[] unevenRows(SplittableRandom rng, int rows, int cols) {
    float[] x = new float[rows * cols];
    for (int i = 0; i < rows; i++) {
      float[] row = Seeds.gaussian(rng, cols, Math.pow(10, rng.nextDouble(-2, 2)));
      System.arraycopy(row, 0, x, i * cols, cols);
    }
    return x;
  }

  private static double[] floatLinear(float[] x, int rows, int in, float[] w, float[] b, int out) {
    double[] y = new double[rows * out];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < out; j++) {
        double s = b[j];
        for (int k = 0; k < in; k++) s += (double) x[i * in + k] * w[j * in + k];
        y[i * out + j] = s;
      }
    }
    return y;
  }

  /** The largest per-row error relative to the row's largest magnitude. */
  private static double worstRowError(double[] expected, float[] actual, int cols) {
    double worst = 0;
    for (int i = 0; i < expected.length / cols; i++) {
      double err = 0, scale = 0;
      for (int j = i * cols; j < (i + 1) * cols; j++) {
        err = Math.max(err, Math.abs(expected[j] - actual[j]));
        scale = Math.max(scale, Math.abs(expected[j]));
      }
      worst = Math.max(worst, err / scale);
    }
    return worst;
  }

  @Test
  void linearComputesTheScheme() {
    SplittableRandom rng = Seeds.random("Int8LayersTest.linear");
    int rows = 11, in = 67, out = 45;
    float[] x = unevenRows(rng, rows, in);
    try (Linear layer = new Linear(Device.CPU, in, out, true, rng); Tensor tx = Tensor.of(Device.CPU, x, rows, in)) {
      layer.train(false);
      float[] w = layer.weight().value().toFloatArray(), b = layer.bias().value().toFloatArray();
      double[] fp32 = floatLinear(x, rows, in, w, b, out);
      Int8Quantizer.quantize(layer);
      Int8Matrix.Values q = layer.int8Weights().values("weight");
      for (int j = 0; j < out; j++) {
        Int8Reference.Row r = Int8Reference.quantize(w, j * in, in);
        assertArrayEquals(r.values(), Arrays.copyOfRange(q.values(), j * in, (j + 1) * in), "weight row " + j);
        assertTrue(r.scale() == q.scales()[j], "scale of weight row " + j);
      }
      assertArrayEquals(q.dequantized(), layer.weight().value().toFloatArray(), "the float weights are dequantized");
      try (Tensor y = layer.forward(tx)) {
        float[] y8 = y.toFloatArray();
        assertCloseToScale(Int8Reference.linear(x, rows, in, q, b), y8, 1e-6, "int8 linear");
        double err = worstRowError(fp32, y8, out);
        System.out.printf("int8 linear: worst row error vs float32 %.2e%n", err);
        assertTrue(err < FLOAT_TOLERANCE, "int8 vs float32: " + err);
      }
    }
  }

  /**
   * libtorch's dynamic int8 linear (fbgemm: weights per tensor, the input per tensor as u8 with a zero
   * point) on rows of uneven magnitude: both close to float32 overall, ours closer on each row, since it
   * scales each row and each output channel by itself.
   */
  @Test
  void linearAgreesWithLibtorchDynamicQuantizationAndIsFinerPerRow() {
    SplittableRandom rng = Seeds.random("Int8LayersTest.linearLibtorch");
    int rows = 24, in = 128, out = 40;
    float[] x = unevenRows(rng, rows, in);
    try (PointerScope scope = new PointerScope(); Linear layer = new Linear(Device.CPU, in, out, true, rng);
        Tensor tx = Tensor.of(Device.CPU, x, rows, in)) {
      layer.train(false);
      float[] w = layer.weight().value().toFloatArray(), b = layer.bias().value().toFloatArray();
      org.bytedeco.pytorch.Tensor weight = Torch.floats(w, out, in);
      T_TensorTensorDoubleLong_T q = torch.fbgemm_linear_quantize_weight(weight);
      org.bytedeco.pytorch.Tensor packed = torch.fbgemm_pack_quantized_matrix(q.get0());
      float[] theirs = Torch.toFloats(torch.fbgemm_linear_int8_weight_fp32_activation(Torch.floats(x, rows, in),
          q.get0(), packed, q.get1(), new Scalar(q.get2()), new Scalar(q.get3()), Torch.floats(b, out)));
      Int8Quantizer.quantize(layer);
      try (Tensor y = layer.forward(tx)) {
        float[] ours = y.toFloatArray();
        double[] fp32 = floatLinear(x, rows, in, w, b, out);
        double oursRow = worstRowError(fp32, ours, out), theirsRow = worstRowError(fp32, theirs, out);
        double oursAll = Int8Reference.relativeError(fp32, ours), theirsAll = Int8Reference.relativeError(fp32, theirs);
        System.out.printf("int8 linear vs float32: ours %.2e (worst row %.2e), libtorch %.2e (worst row %.2e)%n",
            oursAll, oursRow, theirsAll, theirsRow);
        assertTrue(oursAll < FLOAT_TOLERANCE && theirsAll < FLOAT_TOLERANCE, oursAll + ", " + theirsAll);
        assertCloseToScale(toDoubles(theirs), ours, 2 * FLOAT_TOLERANCE,
            "ours vs libtorch int8");
        assertTrue(oursRow < theirsRow, "per-row scales: ours " + oursRow + " vs libtorch " + theirsRow);
      }
    }
  }

  /**
   * A Conv1d's int8 output at every position is the scheme applied to that position's receptive field.
   * Kernels 3 and 11 take the constant-width copies of the fields, 5 the general one.
   */
  @ParameterizedTest
  @ValueSource(ints = {5, 3, 11})
  void conv1dQuantizesEachReceptiveField(int kernel) {
    SplittableRandom rng = Seeds.random("Int8LayersTest.conv1d" + kernel);
    int batch = 2, channels = 6, outChannels = 20, stride = 2, pad = kernel / 2, length = 23;
    float[] x = Seeds.gaussian(rng, batch * channels * length, 1);
    try (Convolution conv = Convolution.conv1d(Device.CPU, channels, outChannels, kernel, stride, pad, 1, 1, true, rng);
        Tensor tx = Tensor.of(Device.CPU, x, batch, channels, length)) {
      conv.train(false);
      float[] b = conv.bias().value().toFloatArray();
      try (Tensor y32 = conv.forward(tx)) {
        Int8Quantizer.quantize(conv);
        Int8Matrix.Values q = conv.int8Weights().values("weight");
        int positions = (int) y32.dim(2), patch = channels * kernel;
        double[] expected = new double[batch * outChannels * positions];
        for (int n = 0; n < batch; n++) {
          float[] fields = new float[positions * patch];
          for (int t = 0; t < positions; t++) {
            for (int c = 0; c < channels; c++) {
              for (int j = 0; j < kernel; j++) {
                int at = t * stride - pad + j;
                fields[t * patch + c * kernel + j] = at < 0 || at >= length ? 0 : x[(n * channels + c) * length + at];
              }
            }
          }
          double[] rows = Int8Reference.linear(fields, positions, patch, q, b); // [positions, out]
          for (int o = 0; o < outChannels; o++) {
            for (int t = 0; t < positions; t++) expected[(n * outChannels + o) * positions + t] = rows[t * outChannels + o];
          }
        }
        try (Tensor y8 = conv.forward(tx)) {
          assertCloseToScale(expected, y8.toFloatArray(), 1e-6, "int8 conv1d");
          double err = Int8Reference.relativeError(toDoubles(y32.toFloatArray()), y8.toFloatArray());
          System.out.printf("int8 conv1d vs float32: %.2e%n", err);
          assertTrue(err < FLOAT_TOLERANCE, "int8 conv1d vs float32: " + err);
        }
      }
    }
  }

  /** Conv2d (stride 1 and 2, padding, dilation) against its float32 self. */
  @ParameterizedTest
  @CsvSource({"1, 1, 1", "2, 1, 1", "1, 2, 2"})
  void conv2dStaysCloseToFloat(int stride, int padding, int dilation) {
    SplittableRandom rng = Seeds.random("Int8LayersTest.conv2d" + stride + padding + dilation);
    try (Convolution conv = Convolution.conv2d(Device.CPU, 3, 17, new int[] {3, 5}, new int[] {stride, stride},
            new int[] {padding, padding}, new int[] {dilation, dilation}, 1, true, rng);
        Tensor x = Tensor.of(Device.CPU, Seeds.gaussian(rng, 2 * 3 * 9 * 21, 1), 2, 3, 9, 21)) {
      conv.train(false);
      try (Tensor y32 = conv.forward(x)) {
        Int8Quantizer.quantize(conv);
        try (Tensor y8 = conv.forward(x)) {
          assertArrayEquals(y32.shape(), y8.shape());
          double err = Int8Reference.relativeError(toDoubles(y32.toFloatArray()), y8.toFloatArray());
          System.out.printf("int8 conv2d stride %d padding %d dilation %d vs float32: %.2e%n", stride, padding,
              dilation, err);
          assertTrue(err < FLOAT_TOLERANCE, "int8 conv2d vs float32: " + err);
        }
      }
    }
  }

  private static float[] run(Rnn rnn, float[] x, int steps, int batch, int input, int[] lengths, boolean finalState) {
    try (Tensor tx = Tensor.of(Device.CPU, x, steps, batch, input); Rnn.Output o = rnn.forward(tx, lengths, null)) {
      return finalState ? o.state().h().toFloatArray() : o.y().toFloatArray();
    }
  }

  /**
   * A 2-layer bidirectional stack over uneven lengths: int8 close to float32, and each utterance's
   * result the same bits whether it runs alone or in a batch, on one thread or two (each row has its
   * own scale and the integer products are exact, so nothing depends on the batch or the split).
   */
  @ParameterizedTest
  @CsvSource({"GRU", "LSTM"})
  void recurrentLayersStayCloseToFloatAndDoNotDependOnTheBatch(Rnn.Cell cell) throws Exception {
    SplittableRandom rng = Seeds.random("Int8LayersTest.rnn" + cell);
    int steps = 17, input = 40, hidden = 24;
    int[] lengths = {17, 9, 13, 1, 17, 5};
    int batch = lengths.length, width = 2 * hidden;
    float[] x = Seeds.gaussian(rng, steps * batch * input, 1);
    try (Rnn rnn = new Rnn(Device.CPU, cell, input, hidden, 2, true, false, true, rng)) {
      rnn.train(false);
      float[] y32 = run(rnn, x, steps, batch, input, lengths, false);
      Int8Quantizer.quantize(rnn);
      float[] y8 = run(rnn, x, steps, batch, input, lengths, false);
      double err = 0;
      for (int i = 0; i < y8.length; i++) err = Math.max(err, Math.abs(y8[i] - y32[i]));
      System.out.printf("int8 %s vs float32: max |difference| %.2e%n", cell, err);
      assertTrue(err < RNN_TOLERANCE, "int8 " + cell + " vs float32: " + err);
      float[] h8 = run(rnn, x, steps, batch, input, lengths, true);
      for (int threads : new int[] {1, 2}) {
        NativeThreads.with(threads, () -> {
          assertArrayEquals(y8, run(rnn, x, steps, batch, input, lengths, false), threads + " threads");
          for (int b = 0; b < batch; b++) {
            float[] xb = new float[steps * input];
            for (int t = 0; t < steps; t++) System.arraycopy(x, (t * batch + b) * input, xb, t * input, input);
            float[] yb = run(rnn, xb, steps, 1, input, new int[] {lengths[b]}, false);
            float[] hb = run(rnn, xb, steps, 1, input, new int[] {lengths[b]}, true);
            for (int t = 0; t < steps; t++) {
              assertArrayEquals(Arrays.copyOfRange(y8, (t * batch + b) * width, (t * batch + b + 1) * width),
                  Arrays.copyOfRange(yb, t * width, (t + 1) * width), "utterance " + b + " frame " + t + " alone");
            }
            for (int k = 0; k < 4; k++) {
              assertArrayEquals(Arrays.copyOfRange(h8, (k * batch + b) * hidden, (k * batch + b + 1) * hidden),
                  Arrays.copyOfRange(hb, k * hidden, (k + 1) * hidden), "utterance " + b + " final state " + k);
            }
          }
        });
      }
    }
  }

  /**
   * One GRU direction against libtorch's quantized_gru_cell (the legacy dynamic-quantized GRU cell,
   * fbgemm int8 products with per-tensor scales) run step by step: both close to float32 and to each
   * other.
   */
  @Test
  void gruAgreesWithLibtorchQuantizedGruCell() {
    SplittableRandom rng = Seeds.random("Int8LayersTest.gruLibtorch");
    int steps = 30, batch = 3, input = 48, hidden = 32;
    float[] x = Seeds.gaussian(rng, steps * batch * input, 1);
    int[] lengths = {steps, steps, steps};
    try (PointerScope scope = new PointerScope();
        Rnn rnn = new Rnn(Device.CPU, Rnn.Cell.GRU, input, hidden, 1, false, false, true, rng)) {
      rnn.train(false);
      var p = rnn.stateDict();
      org.bytedeco.pytorch.Tensor wIh = Torch.floats(p.get("weight_ih_l0").value().toFloatArray(), 3 * hidden, input);
      org.bytedeco.pytorch.Tensor wHh = Torch.floats(p.get("weight_hh_l0").value().toFloatArray(), 3 * hidden, hidden);
      org.bytedeco.pytorch.Tensor bIh = Torch.floats(p.get("bias_ih_l0").value().toFloatArray(), 3 * hidden);
      org.bytedeco.pytorch.Tensor bHh = Torch.floats(p.get("bias_hh_l0").value().toFloatArray(), 3 * hidden);
      T_TensorTensorDoubleLong_T qIh = torch.fbgemm_linear_quantize_weight(wIh);
      T_TensorTensorDoubleLong_T qHh = torch.fbgemm_linear_quantize_weight(wHh);
      org.bytedeco.pytorch.Tensor packedIh = torch.fbgemm_pack_quantized_matrix(qIh.get0());
      org.bytedeco.pytorch.Tensor packedHh = torch.fbgemm_pack_quantized_matrix(qHh.get0());
      org.bytedeco.pytorch.Tensor tx = Torch.floats(x, steps, batch, input);
      org.bytedeco.pytorch.Tensor h = Torch.floats(new float[batch * hidden], batch, hidden);
      float[] theirs = new float[steps * batch * hidden];
      for (int t = 0; t < steps; t++) {
        h = torch.quantized_gru_cell(tx.select(0, t), h, qIh.get0(), qHh.get0(), bIh, bHh, packedIh, packedHh,
            qIh.get1(), qHh.get1(), new Scalar(qIh.get2()), new Scalar(qHh.get2()), new Scalar(qIh.get3()),
            new Scalar(qHh.get3()));
        System.arraycopy(Torch.toFloats(h), 0, theirs, t * batch * hidden, batch * hidden);
      }
      float[] fp32 = run(rnn, x, steps, batch, input, lengths, false);
      Int8Quantizer.quantize(rnn);
      float[] ours = run(rnn, x, steps, batch, input, lengths, false);
      double oursErr = 0, theirsErr = 0, between = 0;
      for (int i = 0; i < ours.length; i++) {
        oursErr = Math.max(oursErr, Math.abs(ours[i] - fp32[i]));
        theirsErr = Math.max(theirsErr, Math.abs(theirs[i] - fp32[i]));
        between = Math.max(between, Math.abs(ours[i] - theirs[i]));
      }
      System.out.printf("int8 GRU vs float32: ours %.2e, libtorch %.2e; ours vs libtorch %.2e%n", oursErr, theirsErr,
          between);
      assertTrue(oursErr < RNN_TOLERANCE && theirsErr < RNN_TOLERANCE, oursErr + ", " + theirsErr);
      assertTrue(between < 2 * RNN_TOLERANCE, "ours vs libtorch int8 GRU: " + between);
    }
  }

  @Test
  void int8WeightsServeInferenceOnly() {
    SplittableRandom rng = Seeds.random("Int8LayersTest.training");
    try (Linear layer = Int8Quantizer.quantize(new Linear(Device.CPU, 8, 4, true, rng));
        Tensor x = Tensor.of(Device.CPU, new float[16], 2, 8)) {
      layer.train(true);
      assertThrows(IllegalStateException.class, () -> layer.forward(x).close());
      layer.train(false);
      layer.forward(x).close();
    }
  }
}
