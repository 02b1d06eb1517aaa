package dev.ctc4j.nn;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.bridge.CoreNative;
import dev.ctc4j.bridge.NativeStatus;
import dev.ctc4j.bridge.NnNative;
import dev.ctc4j.tensor.DType;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import java.util.Arrays;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;

/** Tensor plumbing shared by the layers: pointers, shape checks, reshapes and permutations. */
public final class Ops {
  static {
    Blas.ensureLoaded();
  }

  private Ops() {}

  static FloatPointer ptr(Tensor t) {
    return t == null ? null : new FloatPointer(t.data());
  }

  static int dev(Tensor t) {
    return t.device().nativeId();
  }

  static void check(int status, String what) {
    NativeStatus.check(status, what);
  }

  static Tensor empty(Tensor like, long... shape) {
    return Tensor.empty(like.device(), DType.F32, shape);
  }

  static Tensor zeros(Device device, long... shape) {
    return Tensor.zeros(device, DType.F32, shape);
  }

  static void requireFloat(Tensor x, String layer) {
    if (x.dtype() != DType.F32) throw new InvalidInputException(layer + " needs float32 input, got " + x);
  }

  /** Product of shape[from, to). */
  static long product(long[] shape, int from, int to) {
    long n = 1;
    for (int i = from; i < to; i++) n *= shape[i];
    return n;
  }

  /** A copy of x with another shape holding the same number of values. */
  public static Tensor reshape(Tensor x, long... shape) {
    Tensor y = empty(x, shape);
    if (y.numel() != x.numel()) {
      y.close();
      throw new InvalidInputException("cannot reshape " + x + " to " + Arrays.toString(shape));
    }
    check(CoreNative.ctc4j_copy(y.data(), dev(y), x.data(), dev(x), x.byteSize()), "reshape");
    return y;
  }

  /** y's axis i is x's axis perm[i]. */
  public static Tensor permute(Tensor x, int... perm) {
    long[] shape = x.shape();
    if (perm.length != shape.length) throw new InvalidInputException("permutation rank differs from " + x);
    long[] out = new long[shape.length];
    for (int i = 0; i < perm.length; i++) out[i] = shape[perm[i]];
    Tensor y = empty(x, out);
    try (LongPointer s = new LongPointer(shape); IntPointer p = new IntPointer(perm)) {
      check(NnNative.ctc4j_nn_permute(dev(x), ptr(x), shape.length, s, p, ptr(y)), "permute " + x);
    } catch (RuntimeException e) {
      y.close();
      throw e;
    }
    return y;
  }

  /** Zeroes frames t >= lengths[b] of x [N, ..., T] in place. */
  public static void maskFrames(Tensor x, int[] lengths) {
    long steps = x.dim(x.rank() - 1);
    try (IntPointer len = new IntPointer(lengths)) {
      check(NnNative.ctc4j_nn_mask_frames(dev(x), ptr(x), x.dim(0), x.numel() / x.dim(0) / Math.max(1, steps), steps,
          len), "mask frames");
    }
  }

  /** The inverse permutation. */
  static int[] inverse(int... perm) {
    int[] inv = new int[perm.length];
    for (int i = 0; i < perm.length; i++) inv[perm[i]] = i;
    return inv;
  }

  public static Tensor add(Tensor a, Tensor b) {
    requireSameShape(a, b, "add");
    Tensor y = empty(a, a.shape());
    check(NnNative.ctc4j_nn_add(dev(a), ptr(a), ptr(b), ptr(y), a.numel()), "add");
    return y;
  }

  /** a += b; returns a. */
  public static Tensor addInPlace(Tensor a, Tensor b) {
    requireSameShape(a, b, "add");
    check(NnNative.ctc4j_nn_add(dev(a), ptr(a), ptr(b), ptr(a), a.numel()), "add");
    return a;
  }

  static Tensor multiply(Tensor a, Tensor b) {
    requireSameShape(a, b, "multiply");
    Tensor y = empty(a, a.shape());
    check(NnNative.ctc4j_nn_multiply(dev(a), ptr(a), ptr(b), ptr(y), a.numel()), "multiply");
    return y;
  }

  static void requireSameShape(Tensor a, Tensor b, String what) {
    if (!Arrays.equals(a.shape(), b.shape())) throw new InvalidInputException(what + ": " + a + " vs " + b);
  }

  public static void requireShape(Tensor x, String layer, long... expected) {
    long[] s = x.shape();
    boolean ok = s.length == expected.length;
    for (int i = 0; ok && i < s.length; i++) ok = expected[i] < 0 || expected[i] == s[i];
    if (!ok) {
      throw new InvalidInputException(layer + " expects shape " + Arrays.toString(expected).replace("-1", "*")
          + ", got " + x);
    }
  }
}
