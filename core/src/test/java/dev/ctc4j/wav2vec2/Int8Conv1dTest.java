package dev.ctc4j.wav2vec2;

import static dev.ctc4j.nn.TorchCheck.assertCloseToScale;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ctc4j.quant.Int8Matrix;
import dev.ctc4j.quant.Int8Quantizer;
import dev.ctc4j.quant.Int8Reference;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import dev.ctc4j.testing.Seeds;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The feature extractor's int8 conv1d: each output step the scheme (Int8Reference) applied to its
 * receptive field as PyTorch orders it (channel-major: the quantized values and scale of a row do not
 * depend on the order), within 1e-6 of the output's scale; grouped or padded convolutions stay float32.
 */
class Int8Conv1dTest {
  @Test
  void eachOutputStepIsTheProductOfItsQuantizedReceptiveField() {
    SplittableRandom rng = Seeds.random("Int8Conv1dTest");
    int in = 7, out = 19, kernel = 3, stride = 2, steps = 29;
    float[] x = Seeds.gaussian(rng, steps * in, 1);
    try (Conv1d conv = new Conv1d(Device.CPU, in, out, kernel, stride, 0, 1, true, rng);
        Conv1d grouped = new Conv1d(Device.CPU, 8, 8, 3, 1, 1, 4, true, rng);
        Tensor tx = Tensor.of(Device.CPU, x, steps, in)) {
      conv.train(false);
      float[] b = conv.stateDict().get("bias").value().toFloatArray();
      Int8Quantizer.quantize(conv);
      Int8Quantizer.quantize(grouped);
      assertTrue(grouped.int8Weights().names().isEmpty(), "grouped, padded: float32");
      Int8Matrix.Values q = conv.int8Weights().values("weight"); // [out, in, kernel], the parameter's order
      assertArrayEquals(q.dequantized(), conv.stateDict().get("weight").value().toFloatArray());
      try (Tensor y = conv.forward(tx)) {
        int positions = (int) y.dim(0), patch = in * kernel;
        float[] fields = new float[positions * patch];
        for (int t = 0; t < positions; t++) {
          for (int c = 0; c < in; c++) {
            for (int j = 0; j < kernel; j++) fields[t * patch + c * kernel + j] = x[(t * stride + j) * in + c];
          }
        }
        assertCloseToScale(Int8Reference.linear(fields, positions, patch, q, b), y.toFloatArray(), 1e-6, "int8 conv1d");
      }
    }
  }
}
