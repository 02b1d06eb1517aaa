package dev.ctc4j.bridge;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.ByVal;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;

/**
 * Binding of {@code ctc4j/transformer.h}: conv1d, group norm, GELU and attention over time-major
 * arrays; its structs as in {@link CtcNative}.
 */
@Properties(inherit = CoreNative.class, value = @Platform(include = "ctc4j/transformer.h", library = "jnictc4j"))
public final class TransformerNative {
  static {
    org.bytedeco.javacpp.Loader.load();
  }

  private TransformerNative() {}

  /** {@code ctc4j_transformer_conv1d}: sizes and weights of a time-major conv1d. */
  @Name("ctc4j_transformer_conv1d")
  public static final class Conv1d extends Pointer {
    static {
      org.bytedeco.javacpp.Loader.load();
    }

    public Conv1d(Pointer p) {
      super(p);
    }

    public native @Cast("int64_t") long steps();
    public native Conv1d steps(long setter);
    public native @Cast("int64_t") long in_channels();
    public native Conv1d in_channels(long setter);
    public native @Cast("int64_t") long out_channels();
    public native Conv1d out_channels(long setter);
    public native @Cast("int64_t") long kernel();
    public native Conv1d kernel(long setter);
    public native @Cast("int64_t") long stride();
    public native Conv1d stride(long setter);
    public native @Cast("int64_t") long padding();
    public native Conv1d padding(long setter);
    public native @Cast("int64_t") long groups();
    public native Conv1d groups(long setter);
    public native @Cast("int64_t") long out_steps();
    public native Conv1d out_steps(long setter);
    public native @Cast("const float*") FloatPointer w();
    public native Conv1d w(FloatPointer setter);
    public native @Cast("const float*") FloatPointer bias();
    public native Conv1d bias(FloatPointer setter);
    public native @Const NnNative.PackedWeightsHandle w_packed();
    public native Conv1d w_packed(NnNative.PackedWeightsHandle setter);
  }

  /** {@code ctc4j_transformer_group_norm}: sizes, affine parameters and options of a group norm. */
  @Name("ctc4j_transformer_group_norm")
  public static final class GroupNorm extends Pointer {
    static {
      org.bytedeco.javacpp.Loader.load();
    }

    public GroupNorm(Pointer p) {
      super(p);
    }

    public native @Cast("int64_t") long steps();
    public native GroupNorm steps(long setter);
    public native @Cast("int64_t") long channels();
    public native GroupNorm channels(long setter);
    public native @Cast("int64_t") long groups();
    public native GroupNorm groups(long setter);
    public native @Cast("const float*") FloatPointer gamma();
    public native GroupNorm gamma(FloatPointer setter);
    public native @Cast("const float*") FloatPointer beta();
    public native GroupNorm beta(FloatPointer setter);
    public native float eps();
    public native GroupNorm eps(float setter);
    public native int gelu();
    public native GroupNorm gelu(int setter);
  }

  /** {@code ctc4j_transformer_attention}: sizes, scale and row strides of a self-attention. */
  @Name("ctc4j_transformer_attention")
  public static final class Attention extends Pointer {
    static {
      org.bytedeco.javacpp.Loader.load();
    }

    public Attention(Pointer p) {
      super(p);
    }

    public native @Cast("int64_t") long steps();
    public native Attention steps(long setter);
    public native @Cast("int64_t") long heads();
    public native Attention heads(long setter);
    public native @Cast("int64_t") long head_dim();
    public native Attention head_dim(long setter);
    public native float scale();
    public native Attention scale(float setter);
    public native @Cast("int64_t") long ld_q();
    public native Attention ld_q(long setter);
    public native @Cast("int64_t") long ld_k();
    public native Attention ld_k(long setter);
    public native @Cast("int64_t") long ld_v();
    public native Attention ld_v(long setter);
    public native @Cast("int64_t") long ld_out();
    public native Attention ld_out(long setter);
  }

  public static native @ByVal Conv1d ctc4j_transformer_default_conv1d();

  public static native @ByVal GroupNorm ctc4j_transformer_default_group_norm();

  public static native @ByVal Attention ctc4j_transformer_default_attention();

  public static native int ctc4j_transformer_conv1d_steps(
      @Cast("int64_t") long steps, @Cast("int64_t") long kernel, @Cast("int64_t") long stride,
      @Cast("int64_t") long padding, @Cast("int64_t*") LongPointer outSteps);

  public static native int ctc4j_transformer_conv1d_forward(int device, @Const Conv1d conv,
      @Cast("const float*") FloatPointer x, FloatPointer y);

  public static native int ctc4j_transformer_group_norm_forward(int device, @Const GroupNorm norm,
      @Cast("const float*") FloatPointer x, FloatPointer y);

  public static native int ctc4j_transformer_gelu_forward(
      int device, @Cast("const float*") FloatPointer x, @Cast("const float*") FloatPointer residual, FloatPointer y,
      @Cast("int64_t") long n);

  public static native int ctc4j_transformer_attention_forward(int device, @Const Attention attention,
      @Cast("const float*") FloatPointer q, @Cast("const float*") FloatPointer k,
      @Cast("const float*") FloatPointer v, FloatPointer out);
}
