package dev.ctc4j.bridge;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;

/** Binding of {@code ctc4j/optim.h}. */
@Properties(inherit = CoreNative.class, value = @Platform(include = "ctc4j/optim.h", library = "jnictc4j"))
public final class OptimNative {
  static {
    org.bytedeco.javacpp.Loader.load();
  }

  private OptimNative() {}

  public static native int ctc4j_sgd_step(int device, FloatPointer param, @Cast("const float*") FloatPointer grad,
      FloatPointer momentumBuffer, @Cast("int64_t") long n, float lr, float momentum, float weightDecay, int nesterov,
      int firstStep);

  public static native int ctc4j_adam_step(int device, FloatPointer param, @Cast("const float*") FloatPointer grad,
      FloatPointer expAvg, FloatPointer expAvgSq, @Cast("int64_t") long n, float lr, float beta1, float beta2, float eps,
      float weightDecay, int decoupled, @Cast("int64_t") long step);

  public static native int ctc4j_sum_squares(int device, @Cast("const float*") FloatPointer x, @Cast("int64_t") long n,
      DoublePointer out);

  public static native int ctc4j_scale(int device, FloatPointer x, @Cast("int64_t") long n, float factor);
}
