package dev.ctc4j.bridge;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.ByPtrPtr;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.MemberGetter;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.Opaque;
import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;

/** Binding of {@code ctc4j/quant.h}: int8 matrices and the int8 forward passes over them. */
@Properties(inherit = CoreNative.class, value = @Platform(include = "ctc4j/quant.h", library = "jnictc4j"))
public final class QuantNative {
  static {
    org.bytedeco.javacpp.Loader.load();
  }

  private QuantNative() {}

  @MemberGetter public static native int CTC4J_INT8_BEST();
  @MemberGetter public static native int CTC4J_INT8_GENERIC();
  @MemberGetter public static native int CTC4J_INT8_AVX2();
  @MemberGetter public static native int CTC4J_INT8_AVX_VNNI();
  @MemberGetter public static native int CTC4J_INT8_AVX512_VNNI();

  public static final int INT8_BEST = CTC4J_INT8_BEST(), INT8_GENERIC = CTC4J_INT8_GENERIC(),
      INT8_AVX2 = CTC4J_INT8_AVX2(), INT8_AVX_VNNI = CTC4J_INT8_AVX_VNNI(),
      INT8_AVX512_VNNI = CTC4J_INT8_AVX512_VNNI();

  /** Opaque {@code ctc4j_int8_matrix*}: packed int8 weights and their per-row scales, immutable. */
  @Opaque
  @Name("ctc4j_int8_matrix")
  public static final class Int8MatrixHandle extends Pointer {
    public Int8MatrixHandle() {
      super((Pointer) null);
    }
  }

  public static native int ctc4j_int8_quantize_rows(
      int kernel, @Cast("const float*") FloatPointer x, @Cast("int64_t") long rows, @Cast("int64_t") long cols,
      @Cast("int8_t*") BytePointer q, FloatPointer scales);

  public static native int ctc4j_int8_matrix_create(
      @Cast("const int8_t*") BytePointer q, @Cast("const float*") FloatPointer scales, @Cast("int64_t") long rows,
      @Cast("int64_t") long cols, @ByPtrPtr Int8MatrixHandle out);

  public static native int ctc4j_int8_matrix_destroy(Int8MatrixHandle m);

  public static native int ctc4j_int8_matrix_values(@Const Int8MatrixHandle m, @Cast("int8_t*") BytePointer q,
      FloatPointer scales);

  public static native int ctc4j_int8_gemm(int kernel, @Cast("const int8_t*") BytePointer a, @Cast("int64_t") long m,
      @Const Int8MatrixHandle w, @Cast("int32_t*") IntPointer c);

  public static native int ctc4j_int8_linear_forward(@Const Int8MatrixHandle w, @Cast("const float*") FloatPointer bias,
      @Cast("const float*") FloatPointer x, @Cast("int64_t") long rows, @Cast("int64_t") long xStride, FloatPointer y);

  public static native int ctc4j_int8_conv2d_forward(@Const NnNative.Conv2d conv, @Const Int8MatrixHandle w,
      @Cast("const float*") FloatPointer x, FloatPointer y);

  public static native int ctc4j_int8_rnn_forward(@Const NnNative.Rnn rnn, @Const Int8MatrixHandle wIh,
      @Const Int8MatrixHandle wHh, @Cast("const float*") FloatPointer x, @Cast("const float*") FloatPointer h0,
      @Cast("const float*") FloatPointer c0, FloatPointer y, FloatPointer hN, FloatPointer cN);
}
