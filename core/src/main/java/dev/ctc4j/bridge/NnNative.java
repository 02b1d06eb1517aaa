package dev.ctc4j.bridge;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.ByPtrPtr;
import org.bytedeco.javacpp.annotation.ByVal;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.MemberGetter;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.Opaque;
import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;

/** Binding of {@code ctc4j/nn.h}: layer forward and backward passes over raw float arrays; its structs as in {@link CtcNative}. */
@Properties(inherit = CoreNative.class, value = @Platform(include = "ctc4j/nn.h", library = "jnictc4j"))
public final class NnNative {
  static {
    org.bytedeco.javacpp.Loader.load();
  }

  private NnNative() {}

  @MemberGetter public static native int CTC4J_RELU();
  @MemberGetter public static native int CTC4J_HARDTANH();
  @MemberGetter public static native int CTC4J_GELU();
  @MemberGetter public static native int CTC4J_LSTM();
  @MemberGetter public static native int CTC4J_GRU();

  public static final int RELU = CTC4J_RELU(), HARDTANH = CTC4J_HARDTANH(), GELU = CTC4J_GELU();
  public static final int LSTM = CTC4J_LSTM(), GRU = CTC4J_GRU();

  /** {@code ctc4j_nn_linear}: sizes, weights and their gradient accumulators of a linear layer. */
  @Name("ctc4j_nn_linear")
  public static final class Linear extends Pointer {
    static {
      org.bytedeco.javacpp.Loader.load();
    }

    public Linear(Pointer p) {
      super(p);
    }

    public native @Cast("int64_t") long rows();
    public native Linear rows(long setter);
    public native @Cast("int64_t") long in();
    public native Linear in(long setter);
    public native @Cast("int64_t") long out();
    public native Linear out(long setter);
    public native @Cast("const float*") FloatPointer w();
    public native Linear w(FloatPointer setter);
    public native @Cast("const float*") FloatPointer bias();
    public native Linear bias(FloatPointer setter);
    public native FloatPointer dw();
    public native Linear dw(FloatPointer setter);
    public native FloatPointer dbias();
    public native Linear dbias(FloatPointer setter);
    public native @Const PackedWeightsHandle w_packed();
    public native Linear w_packed(PackedWeightsHandle setter);
  }

  /** {@code ctc4j_nn_conv2d}: geometry, weights and their gradient accumulators of a convolution. */
  @Name("ctc4j_nn_conv2d")
  public static final class Conv2d extends Pointer {
    static {
      org.bytedeco.javacpp.Loader.load();
    }

    public Conv2d(Pointer p) {
      super(p);
    }

    public native @Cast("int64_t") long batch();
    public native Conv2d batch(long setter);
    public native @Cast("int64_t") long in_channels();
    public native Conv2d in_channels(long setter);
    public native @Cast("int64_t") long height();
    public native Conv2d height(long setter);
    public native @Cast("int64_t") long width();
    public native Conv2d width(long setter);
    public native @Cast("int64_t") long out_channels();
    public native Conv2d out_channels(long setter);
    public native @Cast("int64_t") long kernel_h();
    public native Conv2d kernel_h(long setter);
    public native @Cast("int64_t") long kernel_w();
    public native Conv2d kernel_w(long setter);
    public native @Cast("int64_t") long stride_h();
    public native Conv2d stride_h(long setter);
    public native @Cast("int64_t") long stride_w();
    public native Conv2d stride_w(long setter);
    public native @Cast("int64_t") long pad_h();
    public native Conv2d pad_h(long setter);
    public native @Cast("int64_t") long pad_w();
    public native Conv2d pad_w(long setter);
    public native @Cast("int64_t") long dilation_h();
    public native Conv2d dilation_h(long setter);
    public native @Cast("int64_t") long dilation_w();
    public native Conv2d dilation_w(long setter);
    public native @Cast("int64_t") long groups();
    public native Conv2d groups(long setter);
    public native @Cast("const float*") FloatPointer w();
    public native Conv2d w(FloatPointer setter);
    public native @Cast("const float*") FloatPointer bias();
    public native Conv2d bias(FloatPointer setter);
    public native FloatPointer dw();
    public native Conv2d dw(FloatPointer setter);
    public native FloatPointer dbias();
    public native Conv2d dbias(FloatPointer setter);
  }

  /** {@code ctc4j_nn_batch_norm}: sizes, parameters, statistics and options of a batch norm. */
  @Name("ctc4j_nn_batch_norm")
  public static final class BatchNorm extends Pointer {
    static {
      org.bytedeco.javacpp.Loader.load();
    }

    public BatchNorm(Pointer p) {
      super(p);
    }

    public native @Cast("int64_t") long n();
    public native BatchNorm n(long setter);
    public native @Cast("int64_t") long channels();
    public native BatchNorm channels(long setter);
    public native @Cast("int64_t") long spatial();
    public native BatchNorm spatial(long setter);
    public native @Cast("const float*") FloatPointer gamma();
    public native BatchNorm gamma(FloatPointer setter);
    public native @Cast("const float*") FloatPointer beta();
    public native BatchNorm beta(FloatPointer setter);
    public native FloatPointer dgamma();
    public native BatchNorm dgamma(FloatPointer setter);
    public native FloatPointer dbeta();
    public native BatchNorm dbeta(FloatPointer setter);
    public native FloatPointer running_mean();
    public native BatchNorm running_mean(FloatPointer setter);
    public native FloatPointer running_var();
    public native BatchNorm running_var(FloatPointer setter);
    public native float momentum();
    public native BatchNorm momentum(float setter);
    public native float eps();
    public native BatchNorm eps(float setter);
    public native int training();
    public native BatchNorm training(int setter);
    public native FloatPointer save_mean();
    public native BatchNorm save_mean(FloatPointer setter);
    public native FloatPointer save_invstd();
    public native BatchNorm save_invstd(FloatPointer setter);
  }

  /** {@code ctc4j_nn_layer_norm}: sizes, parameters and saved statistics of a layer norm. */
  @Name("ctc4j_nn_layer_norm")
  public static final class LayerNorm extends Pointer {
    static {
      org.bytedeco.javacpp.Loader.load();
    }

    public LayerNorm(Pointer p) {
      super(p);
    }

    public native @Cast("int64_t") long outer();
    public native LayerNorm outer(long setter);
    public native @Cast("int64_t") long features();
    public native LayerNorm features(long setter);
    public native @Cast("int64_t") long inner();
    public native LayerNorm inner(long setter);
    public native @Cast("const float*") FloatPointer gamma();
    public native LayerNorm gamma(FloatPointer setter);
    public native @Cast("const float*") FloatPointer beta();
    public native LayerNorm beta(FloatPointer setter);
    public native FloatPointer dgamma();
    public native LayerNorm dgamma(FloatPointer setter);
    public native FloatPointer dbeta();
    public native LayerNorm dbeta(FloatPointer setter);
    public native float eps();
    public native LayerNorm eps(float setter);
    public native FloatPointer save_mean();
    public native LayerNorm save_mean(FloatPointer setter);
    public native FloatPointer save_invstd();
    public native LayerNorm save_invstd(FloatPointer setter);
  }

  /** {@code ctc4j_nn_rnn}: one direction of one recurrent layer: cell, sizes, weights, their gradients, strides, workspace. */
  @Name("ctc4j_nn_rnn")
  public static final class Rnn extends Pointer {
    static {
      org.bytedeco.javacpp.Loader.load();
    }

    public Rnn(Pointer p) {
      super(p);
    }

    /**
     * An array of {@code size} structs (one per direction of a layer, for ctc4j_nn_rnn_layer_forward),
     * zeroed: every field as ctc4j_nn_default_rnn() leaves it (LSTM = 0, forward, no arrays).
     */
    public Rnn(long size) {
      super((Pointer) null);
      allocateArray(size);
      zero();
    }

    private native void allocateArray(long size);

    /** The struct at this index of an array (the native calls read from here). */
    @Override
    public Rnn position(long position) {
      return (Rnn) super.position(position);
    }

    public native int cell();
    public native Rnn cell(int setter);
    public native int reverse();
    public native Rnn reverse(int setter);
    public native int one_thread();
    public native Rnn one_thread(int setter);
    public native @Cast("int64_t") long steps();
    public native Rnn steps(long setter);
    public native @Cast("int64_t") long batch();
    public native Rnn batch(long setter);
    public native @Cast("int64_t") long input();
    public native Rnn input(long setter);
    public native @Cast("int64_t") long hidden();
    public native Rnn hidden(long setter);
    public native @Cast("const int32_t*") IntPointer lengths();
    public native Rnn lengths(IntPointer setter);
    public native @Cast("const float*") FloatPointer w_ih();
    public native Rnn w_ih(FloatPointer setter);
    public native @Cast("const float*") FloatPointer w_hh();
    public native Rnn w_hh(FloatPointer setter);
    public native @Cast("const float*") FloatPointer b_ih();
    public native Rnn b_ih(FloatPointer setter);
    public native @Cast("const float*") FloatPointer b_hh();
    public native Rnn b_hh(FloatPointer setter);
    public native FloatPointer dw_ih();
    public native Rnn dw_ih(FloatPointer setter);
    public native FloatPointer dw_hh();
    public native Rnn dw_hh(FloatPointer setter);
    public native FloatPointer db_ih();
    public native Rnn db_ih(FloatPointer setter);
    public native FloatPointer db_hh();
    public native Rnn db_hh(FloatPointer setter);
    public native @Cast("int64_t") long y_stride();
    public native Rnn y_stride(long setter);
    public native @Cast("int64_t") long dy_stride();
    public native Rnn dy_stride(long setter);
    public native FloatPointer workspace();
    public native Rnn workspace(FloatPointer setter);
    public native @Const PackedWeightsHandle w_ih_packed();
    public native Rnn w_ih_packed(PackedWeightsHandle setter);
    public native @Const PackedWeightsHandle w_hh_packed();
    public native Rnn w_hh_packed(PackedWeightsHandle setter);
  }

  /** Opaque {@code ctc4j_nn_packed_weights*}: float32 weights packed once for inference, immutable. */
  @Opaque
  @Name("ctc4j_nn_packed_weights")
  public static final class PackedWeightsHandle extends Pointer {
    public PackedWeightsHandle() {
      super((Pointer) null);
    }
  }

  public static native int ctc4j_nn_pack_weights(@Cast("const float*") FloatPointer w, @Cast("int64_t") long rows,
      @Cast("int64_t") long cols, @Cast("int64_t") long kernel, @Cast("int64_t") long groups,
      @ByPtrPtr PackedWeightsHandle out);

  public static native int ctc4j_nn_packed_weights_destroy(PackedWeightsHandle p);

  public static native @ByVal Linear ctc4j_nn_default_linear();

  public static native @ByVal Conv2d ctc4j_nn_default_conv2d();

  public static native @ByVal BatchNorm ctc4j_nn_default_batch_norm();

  public static native @ByVal LayerNorm ctc4j_nn_default_layer_norm();

  public static native @ByVal Rnn ctc4j_nn_default_rnn();

  public static native int ctc4j_nn_set_sgemm(Pointer cblasSgemm);

  public static native int ctc4j_nn_add(
      int device, @Cast("const float*") FloatPointer a, @Cast("const float*") FloatPointer b, FloatPointer out,
      @Cast("int64_t") long n);

  public static native int ctc4j_nn_multiply(
      int device, @Cast("const float*") FloatPointer a, @Cast("const float*") FloatPointer b, FloatPointer out,
      @Cast("int64_t") long n);

  public static native int ctc4j_nn_repeat_halves(int device, @Cast("const float*") FloatPointer x,
      @Cast("int64_t") long rows, @Cast("int64_t") long half, FloatPointer out);

  public static native int ctc4j_nn_sum_halves(
      int device, @Cast("const float*") FloatPointer x, @Cast("int64_t") long rows, @Cast("int64_t") long half,
      FloatPointer out);

  public static native int ctc4j_nn_mask_frames(
      int device, FloatPointer x, @Cast("int64_t") long batch, @Cast("int64_t") long rows, @Cast("int64_t") long steps,
      @Cast("const int32_t*") IntPointer lengths);

  public static native int ctc4j_nn_permute(
      int device, @Cast("const float*") FloatPointer x, int rank, @Cast("const int64_t*") LongPointer shape,
      @Cast("const int32_t*") IntPointer perm, FloatPointer y);

  public static native int ctc4j_nn_linear_forward(int device, @Const Linear linear,
      @Cast("const float*") FloatPointer x, FloatPointer y);

  public static native int ctc4j_nn_linear_backward(int device, @Const Linear linear,
      @Cast("const float*") FloatPointer x, @Cast("const float*") FloatPointer dy, FloatPointer dx);

  public static native int ctc4j_nn_conv2d_output(@Const Conv2d conv, @Cast("int64_t*") LongPointer outHeight,
      @Cast("int64_t*") LongPointer outWidth);

  public static native int ctc4j_nn_conv2d_forward(int device, @Const Conv2d conv,
      @Cast("const float*") FloatPointer x, FloatPointer y);

  public static native int ctc4j_nn_conv2d_backward(int device, @Const Conv2d conv,
      @Cast("const float*") FloatPointer x, @Cast("const float*") FloatPointer dy, FloatPointer dx);

  public static native int ctc4j_nn_batch_norm_forward(int device, @Const BatchNorm norm,
      @Cast("const float*") FloatPointer x, FloatPointer y);

  public static native int ctc4j_nn_batch_norm_backward(int device, @Const BatchNorm norm,
      @Cast("const float*") FloatPointer x, @Cast("const float*") FloatPointer dy, FloatPointer dx);

  public static native int ctc4j_nn_layer_norm_forward(int device, @Const LayerNorm norm,
      @Cast("const float*") FloatPointer x, FloatPointer y);

  public static native int ctc4j_nn_layer_norm_backward(int device, @Const LayerNorm norm,
      @Cast("const float*") FloatPointer x, @Cast("const float*") FloatPointer dy, FloatPointer dx);

  public static native int ctc4j_nn_activation_forward(
      int device, int kind, float lo, float hi, @Cast("const float*") FloatPointer x, FloatPointer y,
      @Cast("int64_t") long n);

  public static native int ctc4j_nn_activation_backward(
      int device, int kind, float lo, float hi, @Cast("const float*") FloatPointer x,
      @Cast("const float*") FloatPointer dy, FloatPointer dx, @Cast("int64_t") long n);

  public static native int ctc4j_nn_dropout_forward(
      int device, float p, @Cast("uint64_t") long seed, @Cast("const float*") FloatPointer x, FloatPointer y,
      FloatPointer mask, @Cast("int64_t") long n);

  public static native int ctc4j_nn_log_softmax_forward(
      int device, @Cast("const float*") FloatPointer x, @Cast("int64_t") long rows, @Cast("int64_t") long cols,
      FloatPointer y);

  public static native int ctc4j_nn_log_softmax_backward(
      int device, @Cast("const float*") FloatPointer y, @Cast("const float*") FloatPointer dy,
      @Cast("int64_t") long rows, @Cast("int64_t") long cols, FloatPointer dx);

  public static native int ctc4j_nn_rnn_workspace_size(
      int cell, @Cast("int64_t") long steps, @Cast("int64_t") long batch, @Cast("int64_t") long hidden,
      @Cast("int64_t*") LongPointer floats);

  public static native int ctc4j_nn_rnn_forward(int device, @Const Rnn rnn, @Cast("const float*") FloatPointer x,
      @Cast("const float*") FloatPointer h0, @Cast("const float*") FloatPointer c0, FloatPointer y, FloatPointer hN,
      FloatPointer cN);

  public static native int ctc4j_nn_rnn_layer_forward(int device, @Const Rnn directions, int count,
      @Cast("const float*") FloatPointer x, @Cast("const float*") FloatPointer h0,
      @Cast("const float*") FloatPointer c0, FloatPointer y, FloatPointer hN, FloatPointer cN);

  public static native int ctc4j_nn_rnn_layer_workspace_size(int device, @Const Rnn directions, int count,
      @Cast("int64_t*") LongPointer floats);

  public static native int ctc4j_nn_rnn_layer_backward(int device, @Const Rnn directions, int count,
      @Cast("const float*") FloatPointer x, @Cast("const float*") FloatPointer h0,
      @Cast("const float*") FloatPointer c0, @Cast("const float*") FloatPointer y,
      @Cast("const float*") FloatPointer dy, @Cast("const float*") FloatPointer dhN,
      @Cast("const float*") FloatPointer dcN, FloatPointer dx, FloatPointer dh0, FloatPointer dc0);

  public static native int ctc4j_nn_rnn_backward(int device, @Const Rnn rnn, @Cast("const float*") FloatPointer x,
      @Cast("const float*") FloatPointer dy, @Cast("const float*") FloatPointer dhN,
      @Cast("const float*") FloatPointer dcN, FloatPointer dx, FloatPointer dh0, FloatPointer dc0);
}
