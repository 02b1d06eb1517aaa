package dev.ctc4j.bridge;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.ByVal;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;

/** Binding of {@code ctc4j/optim.h}; its structs as in {@link CtcNative}. */
@Properties(inherit = CoreNative.class, value = @Platform(include = "ctc4j/optim.h", library = "jnictc4j"))
public final class OptimNative {
  static {
    org.bytedeco.javacpp.Loader.load();
  }

  private OptimNative() {}

  /** {@code ctc4j_optim_sgd_options}. */
  @Name("ctc4j_optim_sgd_options")
  public static final class SgdOptions extends Pointer {
    static {
      org.bytedeco.javacpp.Loader.load();
    }

    public SgdOptions(Pointer p) {
      super(p);
    }

    public native float lr();
    public native SgdOptions lr(float setter);
    public native float momentum();
    public native SgdOptions momentum(float setter);
    public native float weight_decay();
    public native SgdOptions weight_decay(float setter);
    public native int nesterov();
    public native SgdOptions nesterov(int setter);
  }

  /** {@code ctc4j_optim_adam_options}. */
  @Name("ctc4j_optim_adam_options")
  public static final class AdamOptions extends Pointer {
    static {
      org.bytedeco.javacpp.Loader.load();
    }

    public AdamOptions(Pointer p) {
      super(p);
    }

    public native float lr();
    public native AdamOptions lr(float setter);
    public native float beta1();
    public native AdamOptions beta1(float setter);
    public native float beta2();
    public native AdamOptions beta2(float setter);
    public native float eps();
    public native AdamOptions eps(float setter);
    public native float weight_decay();
    public native AdamOptions weight_decay(float setter);
    public native int decoupled();
    public native AdamOptions decoupled(int setter);
  }

  public static native @ByVal SgdOptions ctc4j_optim_default_sgd_options();

  public static native @ByVal AdamOptions ctc4j_optim_default_adam_options();

  public static native int ctc4j_optim_sgd_step(int device, @Const SgdOptions options, FloatPointer param,
      @Cast("const float*") FloatPointer grad, FloatPointer momentumBuffer, @Cast("int64_t") long n, int firstStep);

  public static native int ctc4j_optim_adam_step(int device, @Const AdamOptions options, FloatPointer param,
      @Cast("const float*") FloatPointer grad, FloatPointer expAvg, FloatPointer expAvgSq, @Cast("int64_t") long n,
      @Cast("int64_t") long step);

  public static native int ctc4j_optim_sum_squares(int device, @Cast("const float*") FloatPointer x,
      @Cast("int64_t") long n, DoublePointer out);

  public static native int ctc4j_optim_scale(int device, FloatPointer x, @Cast("int64_t") long n, float factor);
}
