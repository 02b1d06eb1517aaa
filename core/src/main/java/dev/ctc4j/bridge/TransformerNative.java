package dev.ctc4j.bridge;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;

/** Binding of {@code ctc4j/transformer.h}: conv1d, group norm, GELU and attention over time-major arrays. */
@Properties(inherit = CoreNative.class, value = @Platform(include = "ctc4j/transformer.h", library = "jnictc4j"))
public final class TransformerNative {
  static {
    org.bytedeco.javacpp.Loader.load();
  }

  private TransformerNative() {}

  public static native int ctc4j_conv1d_steps(
      @Cast("int64_t") long steps, @Cast("int64_t") long kernel, @Cast("int64_t") long stride,
      @Cast("int64_t") long padding, @Cast("int64_t*") LongPointer outSteps);

  public static native int ctc4j_conv1d_time_major(
      int device, @Cast("const float*") FloatPointer x, @Cast("int64_t") long steps, @Cast("int64_t") long inChannels,
      @Cast("const float*") FloatPointer w, @Cast("const float*") FloatPointer bias,
      @Cast("int64_t") long outChannels, @Cast("int64_t") long kernel, @Cast("int64_t") long stride,
      @Cast("int64_t") long padding, @Cast("int64_t") long groups, @Cast("int64_t") long outSteps, FloatPointer y);

  public static native int ctc4j_group_norm_time_major(
      int device, @Cast("const float*") FloatPointer x, @Cast("int64_t") long steps, @Cast("int64_t") long channels,
      @Cast("int64_t") long groups, @Cast("const float*") FloatPointer gamma, @Cast("const float*") FloatPointer beta,
      float eps, int gelu, FloatPointer y);

  public static native int ctc4j_gelu(
      int device, @Cast("const float*") FloatPointer x, @Cast("const float*") FloatPointer residual, FloatPointer y,
      @Cast("int64_t") long n);

  public static native int ctc4j_attention(
      int device, @Cast("int64_t") long steps, @Cast("int64_t") long heads, @Cast("int64_t") long headDim,
      float scale, @Cast("const float*") FloatPointer q, @Cast("int64_t") long ldQ,
      @Cast("const float*") FloatPointer k, @Cast("int64_t") long ldK, @Cast("const float*") FloatPointer v,
      @Cast("int64_t") long ldV, FloatPointer out, @Cast("int64_t") long ldOut);
}
