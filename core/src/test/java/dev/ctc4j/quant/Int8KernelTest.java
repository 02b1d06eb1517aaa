package dev.ctc4j.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.bridge.NativeStatus;
import dev.ctc4j.bridge.QuantNative;
import dev.ctc4j.testing.Seeds;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.junit.jupiter.api.Test;

/**
 * The int8 kernels against exact references: the integer product against int64 sums (every build
 * the CPU runs, generic, AVX2, AVX-VNNI and AVX-512 VNNI, so the run-time choice cannot hide a wrong one), and
 * per-row quantization
 * against its definition (scale = max|row| / 127, round half to even, clamp to [-127, 127]).
 * Exact equality: these are integer results, or floats computed by the same IEEE operations.
 */
class Int8KernelTest {
  private static final List<Integer> KERNELS = availableKernels();

  private static List<Integer> kernels() {
    return KERNELS;
  }

  /** Every build this CPU runs: generic, AVX2, AVX-VNNI, AVX-512 VNNI (each asked for once; a missing one says so). */
  private static List<Integer> availableKernels() {
    List<Integer> k = new ArrayList<>();
    try (Int8Matrix m = Int8Matrix.of(new Int8Matrix.Values(new byte[1], new float[1]), 1, 1);
        BytePointer a = new BytePointer(1); IntPointer c = new IntPointer(1)) {
      for (int kernel : new int[] {QuantNative.INT8_GENERIC, QuantNative.INT8_AVX2, QuantNative.INT8_AVX_VNNI,
          QuantNative.INT8_AVX512_VNNI}) {
        int status = QuantNative.ctc4j_int8_gemm(kernel, a, 1, m.handle(), c);
        if (status == NativeStatus.OK) k.add(kernel);
        else assertEquals(NativeStatus.UNAVAILABLE, status, "kernel " + kernel);
      }
    }
    System.out.println("int8 kernel builds on this CPU: " + k + " (1 generic, 2 AVX2, 3 AVX-VNNI, 4 AVX-512 VNNI)");
    return k;
  }

  private static byte[] randomInt8(SplittableRandom rng, int n) {
    byte[] v = new byte[n];
    for (int i = 0; i < n; i++) v[i] = (byte) rng.nextInt(-127, 128);
    return v;
  }

  private static long[] reference(byte[] a, byte[] w, int m, int n, int k) {
    long[] c = new long[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        long sum = 0;
        for (int kk = 0; kk < k; kk++) sum += (long) a[i * k + kk] * w[j * k + kk];
        c[i * n + j] = sum;
      }
    }
    return c;
  }

  private static void assertProduct(byte[] a, byte[] w, int m, int n, int k, String what) {
    long[] expected = reference(a, w, m, n, k);
    try (Int8Matrix matrix = Int8Matrix.of(new Int8Matrix.Values(w, new float[n]), n, k);
        BytePointer pa = new BytePointer(a); IntPointer c = new IntPointer((long) m * n)) {
      for (int kernel : kernels()) {
        NativeStatus.check(QuantNative.ctc4j_int8_gemm(kernel, pa, m, matrix.handle(), c), "int8 gemm");
        for (int i = 0; i < m * n; i++) {
          assertEquals(expected[i], c.get(i), what + " kernel " + kernel + " at [" + i / n + ", " + i % n + "]");
        }
      }
    }
  }

  @Test
  void productIsExactForOddSizes() {
    SplittableRandom rng = Seeds.random("Int8KernelTest.productIsExactForOddSizes");
    int[][] sizes = {{1, 1, 1}, {1, 16, 4}, {3, 17, 5}, {4, 15, 3}, {5, 33, 63}, {7, 48, 129}, {13, 1, 90}, {37, 129, 301}};
    for (int[] s : sizes) assertProduct(randomInt8(rng, s[0] * s[2]), randomInt8(rng, s[1] * s[2]), s[0], s[1], s[2],
        s[0] + "x" + s[1] + "x" + s[2]);
    for (int trial = 0; trial < 20; trial++) {
      int m = rng.nextInt(1, 14), n = rng.nextInt(1, 70), k = rng.nextInt(1, 200);
      assertProduct(randomInt8(rng, m * k), randomInt8(rng, n * k), m, n, k, m + "x" + n + "x" + k);
    }
  }

  /**
   * +-127 everywhere: every pair of products vpmaddubsw adds is +-32258, the largest it meets, and the
   * sums reach +-127^2 * k. Signs per element vary so |a| and sign(w, a) both get exercised.
   */
  @Test
  void extremeValuesNeverSaturate() {
    SplittableRandom rng = Seeds.random("Int8KernelTest.extremeValuesNeverSaturate");
    int m = 5, n = 19, k = 1027; // 127^2 * 1027 = 16.6 M: well inside int32
    byte[] a = new byte[m * k], w = new byte[n * k];
    for (int i = 0; i < a.length; i++) a[i] = (byte) (rng.nextBoolean() ? 127 : -127);
    for (int j = 0; j < n; j++) {
      for (int kk = 0; kk < k; kk++) {
        byte same = a[(j % m) * k + kk]; // row j agrees in sign with a's row j % m, or disagrees, or is random
        w[j * k + kk] = switch (j % 3) {
          case 0 -> same;
          case 1 -> (byte) -same;
          default -> (byte) (rng.nextBoolean() ? 127 : -127);
        };
      }
    }
    assertProduct(a, w, m, n, k, "extremes");
  }

  /**
   * A depth where the AVX-512 VNNI build's intermediate sum((a + 128) w) passes 2^31 (255 * 127 * k at
   * k = 70,001 is 2.27 G) while the true products stay inside int32 (127^2 * k = 1.13 G): the wrapped
   * sums less the wrapped 128 * sum(w) must still give them exactly. Rows of +127, -127 and mixed signs.
   */
  @Test
  void deepProductsAreExactThoughTheOffsetSumWraps() {
    SplittableRandom rng = Seeds.random("Int8KernelTest.deepProducts");
    int m = 3, n = 17, k = 70_001;
    byte[] a = new byte[m * k], w = new byte[n * k];
    for (int kk = 0; kk < k; kk++) {
      a[kk] = 127;
      a[k + kk] = -127;
      a[2 * k + kk] = (byte) (rng.nextBoolean() ? 127 : -127);
    }
    for (int j = 0; j < n; j++) {
      for (int kk = 0; kk < k; kk++) w[j * k + kk] = (byte) (j % 2 == 0 ? 127 : rng.nextBoolean() ? 127 : -127);
    }
    assertProduct(a, w, m, n, k, "k = 70,001");
  }

  @Test
  void quantizationScalesEachRowByItsLargestMagnitudeAndRoundsHalfToEven() {
    SplittableRandom rng = Seeds.random("Int8KernelTest.quantization");
    List<float[]> rows = new ArrayList<>();
    for (int cols : new int[] {1, 7, 31, 32, 33, 100}) rows.add(Seeds.gaussian(rng, cols, rng.nextDouble(1e-3, 1e3)));
    // max 127 gives an inverse scale of 1: x.5 are exact ties, rounded to the even neighbour; 70 values
    // cover the 32-wide vector loop and its tail.
    float[] ties = {127f, 2.5f, 3.5f, -2.5f, -3.5f, 0.5f, -0.5f, 126.5f, -127f, 1.4999999f};
    float[] tieRow = new float[70];
    for (int i = 0; i < tieRow.length; i++) tieRow[i] = ties[i % ties.length];
    rows.add(tieRow);
    rows.add(new float[33]); // zeros: scale 0, values 0
    for (float[] row : rows) {
      Int8Reference.Row expected = Int8Reference.quantize(row, 0, row.length);
      for (int kernel : kernels()) {
        byte[] q = new byte[row.length];
        float[] scale = new float[1];
        try (FloatPointer x = new FloatPointer(row); BytePointer pq = new BytePointer(row.length);
            FloatPointer ps = new FloatPointer(1)) {
          NativeStatus.check(QuantNative.ctc4j_int8_quantize_rows(kernel, x, 1, row.length, pq, ps), "quantize");
          pq.get(q);
          ps.get(scale);
        }
        assertEquals(expected.scale(), scale[0], "kernel " + kernel + ": scale of a row of " + row.length);
        assertArrayEquals(expected.values(), q, "kernel " + kernel + ": values of a row of " + row.length);
      }
    }
  }

  @Test
  void matricesGiveBackTheirValuesAndRefuseMinus128() {
    SplittableRandom rng = Seeds.random("Int8KernelTest.matrixValues");
    int rows = 21, cols = 13;
    byte[] values = randomInt8(rng, rows * cols);
    float[] scales = Seeds.gaussian(rng, rows, 1);
    for (int i = 0; i < rows; i++) scales[i] = Math.abs(scales[i]);
    try (Int8Matrix m = Int8Matrix.of(new Int8Matrix.Values(values, scales), rows, cols)) {
      assertArrayEquals(values, m.values().values());
      assertArrayEquals(scales, m.values().scales());
    }
    values[17] = -128;
    assertThrows(InvalidInputException.class, () -> Int8Matrix.of(new Int8Matrix.Values(values, scales), rows, cols));
    assertThrows(InvalidInputException.class, () -> Int8Matrix.of(new Int8Matrix.Values(new byte[6], new float[2]), 2, 4));
  }
}
