package dev.ctc4j.bridge;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;

/** Binding of {@code ctc4j/nn.h}: layer forward and backward passes over raw float arrays. */
@Properties(inherit = CoreNative.class, value = @Platform(include = "ctc4j/nn.h", library = "jnictc4j"))
public final class NnNative {
  static {
    org.bytedeco.javacpp.Loader.load();
  }

  private NnNative() {}

  public static final int RELU = 0, HARDTANH = 1, GELU = 2;
  public static final int LSTM = 0, GRU = 1;
  public static final int CONV_GEOMETRY_SIZE = 14;

  public static native int ctc4j_nn_set_sgemm(Pointer cblasSgemm);

  public static native int ctc4j_nn_gemm(
      int device, int transA, int transB, @Cast("int64_t") long m, @Cast("int64_t") long n, @Cast("int64_t") long k,
      float alpha, @Cast("const float*") FloatPointer a, @Cast("int64_t") long lda, @Cast("const float*") FloatPointer b,
      @Cast("int64_t") long ldb, float beta, FloatPointer c, @Cast("int64_t") long ldc);

  public static native int ctc4j_nn_add(
      int device, @Cast("const float*") FloatPointer a, @Cast("const float*") FloatPointer b, FloatPointer out,
      @Cast("int64_t") long n);

  public static native int ctc4j_nn_multiply(
      int device, @Cast("const float*") FloatPointer a, @Cast("const float*") FloatPointer b, FloatPointer out,
      @Cast("int64_t") long n);

  public static native int ctc4j_nn_sum_halves(
      int device, @Cast("const float*") FloatPointer x, @Cast("int64_t") long rows, @Cast("int64_t") long half,
      FloatPointer out);

  public static native int ctc4j_nn_mask_frames(
      int device, FloatPointer x, @Cast("int64_t") long batch, @Cast("int64_t") long rows, @Cast("int64_t") long steps,
      @Cast("const int32_t*") IntPointer lengths);

  public static native int ctc4j_nn_permute(
      int device, @Cast("const float*") FloatPointer x, int rank, @Cast("const int64_t*") LongPointer shape,
      @Cast("const int32_t*") IntPointer perm, FloatPointer y);

  public static native int ctc4j_nn_linear_forward(
      int device, @Cast("const float*") FloatPointer x, @Cast("int64_t") long rows, @Cast("int64_t") long in,
      @Cast("const float*") FloatPointer w, @Cast("const float*") FloatPointer bias, @Cast("int64_t") long out,
      FloatPointer y);

  public static native int ctc4j_nn_linear_backward(
      int device, @Cast("const float*") FloatPointer x, @Cast("int64_t") long rows, @Cast("int64_t") long in,
      @Cast("const float*") FloatPointer w, @Cast("int64_t") long out, @Cast("const float*") FloatPointer dy,
      FloatPointer dx, FloatPointer dw, FloatPointer dbias);

  public static native int ctc4j_nn_conv2d_output(
      @Cast("const int32_t*") IntPointer geometry, @Cast("int64_t*") LongPointer outHeight,
      @Cast("int64_t*") LongPointer outWidth);

  public static native int ctc4j_nn_conv2d_forward(
      int device, @Cast("const int32_t*") IntPointer geometry, @Cast("const float*") FloatPointer x,
      @Cast("const float*") FloatPointer w, @Cast("const float*") FloatPointer bias, FloatPointer y);

  public static native int ctc4j_nn_conv2d_backward(
      int device, @Cast("const int32_t*") IntPointer geometry, @Cast("const float*") FloatPointer x,
      @Cast("const float*") FloatPointer w, @Cast("const float*") FloatPointer dy, FloatPointer dx, FloatPointer dw,
      FloatPointer dbias);

  public static native int ctc4j_nn_batch_norm_forward(
      int device, @Cast("const float*") FloatPointer x, @Cast("int64_t") long n, @Cast("int64_t") long channels,
      @Cast("int64_t") long spatial, @Cast("const float*") FloatPointer gamma, @Cast("const float*") FloatPointer beta,
      FloatPointer runningMean, FloatPointer runningVar, float momentum, float eps, int training, FloatPointer y,
      FloatPointer saveMean, FloatPointer saveInvstd);

  public static native int ctc4j_nn_batch_norm_backward(
      int device, @Cast("const float*") FloatPointer x, @Cast("int64_t") long n, @Cast("int64_t") long channels,
      @Cast("int64_t") long spatial, @Cast("const float*") FloatPointer gamma,
      @Cast("const float*") FloatPointer saveMean, @Cast("const float*") FloatPointer saveInvstd, int training,
      @Cast("const float*") FloatPointer dy, FloatPointer dx, FloatPointer dgamma, FloatPointer dbeta);

  public static native int ctc4j_nn_layer_norm_forward(
      int device, @Cast("const float*") FloatPointer x, @Cast("int64_t") long outer, @Cast("int64_t") long features,
      @Cast("int64_t") long inner, @Cast("const float*") FloatPointer gamma, @Cast("const float*") FloatPointer beta,
      float eps, FloatPointer y, FloatPointer saveMean, FloatPointer saveInvstd);

  public static native int ctc4j_nn_layer_norm_backward(
      int device, @Cast("const float*") FloatPointer x, @Cast("int64_t") long outer, @Cast("int64_t") long features,
      @Cast("int64_t") long inner, @Cast("const float*") FloatPointer gamma,
      @Cast("const float*") FloatPointer saveMean, @Cast("const float*") FloatPointer saveInvstd,
      @Cast("const float*") FloatPointer dy, FloatPointer dx, FloatPointer dgamma, FloatPointer dbeta);

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

  public static native int ctc4j_nn_rnn_forward(
      int device, int cell, int reverse, int oneThread, @Cast("int64_t") long steps, @Cast("int64_t") long batch,
      @Cast("int64_t") long input, @Cast("int64_t") long hidden, @Cast("const int32_t*") IntPointer lengths,
      @Cast("const float*") FloatPointer x, @Cast("const float*") FloatPointer wIh,
      @Cast("const float*") FloatPointer wHh, @Cast("const float*") FloatPointer bIh,
      @Cast("const float*") FloatPointer bHh, @Cast("const float*") FloatPointer h0,
      @Cast("const float*") FloatPointer c0, FloatPointer y, @Cast("int64_t") long yStride, FloatPointer hN,
      FloatPointer cN, FloatPointer workspace);

  public static native int ctc4j_nn_rnn_backward(
      int device, int cell, int reverse, int oneThread, @Cast("int64_t") long steps, @Cast("int64_t") long batch,
      @Cast("int64_t") long input, @Cast("int64_t") long hidden, @Cast("const int32_t*") IntPointer lengths,
      @Cast("const float*") FloatPointer x, @Cast("const float*") FloatPointer wIh,
      @Cast("const float*") FloatPointer wHh, @Cast("const float*") FloatPointer workspace,
      @Cast("const float*") FloatPointer dy, @Cast("int64_t") long dyStride, @Cast("const float*") FloatPointer dhN,
      @Cast("const float*") FloatPointer dcN, FloatPointer dx, FloatPointer dh0, FloatPointer dc0, FloatPointer dwIh,
      FloatPointer dwHh, FloatPointer dbIh, FloatPointer dbHh);
}
