package dev.ctc4j.quant;

/** The int8 scheme written out in Java, for tests: what the native kernels must compute. */
public final class Int8Reference {
  private Int8Reference() {}

  /** A quantized row: values in [-127, 127] and the scale they are multiplied by. */
  public record Row(byte[] values, float scale) {}

  /** x[from, from + n) quantized symmetrically by its largest magnitude, rounding half to even. */
  public static Row quantize(float[] x, int from, int n) {
    float max = 0;
    for (int i = 0; i < n; i++) max = Math.max(max, Math.abs(x[from + i]));
    float inverse = max > 0 ? 127f / max : 0f;
    byte[] q = new byte[n];
    for (int i = 0; i < n; i++) q[i] = (byte) Math.max(-127, Math.min(127, Math.rint(x[from + i] * inverse)));
    return new Row(q, max / 127f);
  }

  /** sum_k a[k] w[offset + k], exactly. */
  public static long dot(byte[] a, byte[] w, int offset) {
    long sum = 0;
    for (int k = 0; k < a.length; k++) sum += (long) a[k] * w[offset + k];
    return sum;
  }

  /** y[rows, out] = the dequantized int8 product of x's quantized rows and the matrix, plus bias (may be null). */
  public static double[] linear(float[] x, int rows, int in, Int8Matrix.Values w, float[] bias) {
    int out = w.scales().length;
    double[] y = new double[rows * out];
    for (int i = 0; i < rows; i++) {
      Row r = quantize(x, i * in, in);
      for (int j = 0; j < out; j++) {
        y[i * out + j] = dot(r.values(), w.values(), j * in) * (double) (r.scale() * w.scales()[j])
            + (bias == null ? 0 : bias[j]);
      }
    }
    return y;
  }

  /** max |a - b| / max |b|. */
  public static double relativeError(double[] expected, float[] actual) {
    double err = 0, scale = 0;
    for (int i = 0; i < expected.length; i++) {
      err = Math.max(err, Math.abs(expected[i] - actual[i]));
      scale = Math.max(scale, Math.abs(expected[i]));
    }
    return err / scale;
  }
}
