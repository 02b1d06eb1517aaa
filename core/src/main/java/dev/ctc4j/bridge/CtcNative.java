package dev.ctc4j.bridge;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.ByVal;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.MemberGetter;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;

/**
 * Binding of {@code ctc4j/ctc.h}. The structs are bound as Pointer classes whose accessors are named
 * after the C fields; get one from its defaults function ({@code ctc4j_ctc_default_batch()}, ...),
 * set its fields and close it after the call.
 */
@Properties(inherit = CoreNative.class, value = @Platform(include = "ctc4j/ctc.h", library = "jnictc4j"))
public final class CtcNative {
  static {
    org.bytedeco.javacpp.Loader.load();
  }

  private CtcNative() {}

  @MemberGetter public static native int CTC4J_CTC_TIME_MAJOR();
  @MemberGetter public static native int CTC4J_CTC_BATCH_MAJOR();
  @MemberGetter public static native int CTC4J_CTC_LOG_PROBS();
  @MemberGetter public static native int CTC4J_CTC_ACTIVATIONS();

  public static final int TIME_MAJOR = CTC4J_CTC_TIME_MAJOR();
  public static final int BATCH_MAJOR = CTC4J_CTC_BATCH_MAJOR();
  public static final int LOG_PROBS = CTC4J_CTC_LOG_PROBS();
  public static final int ACTIVATIONS = CTC4J_CTC_ACTIVATIONS();

  /** {@code ctc4j_ctc_batch}: inputs, their layout and sizes, lengths and targets (host arrays). */
  @Name("ctc4j_ctc_batch")
  public static final class CtcBatch extends Pointer {
    static {
      org.bytedeco.javacpp.Loader.load();
    }

    public CtcBatch(Pointer p) {
      super(p);
    }

    public native @Cast("const float*") FloatPointer inputs();
    public native CtcBatch inputs(FloatPointer setter);
    public native int layout();
    public native CtcBatch layout(int setter);
    public native int max_time();
    public native CtcBatch max_time(int setter);
    public native int batch();
    public native CtcBatch batch(int setter);
    public native int alphabet();
    public native CtcBatch alphabet(int setter);
    public native @Cast("const int64_t*") LongPointer input_lengths();
    public native CtcBatch input_lengths(LongPointer setter);
    public native @Cast("const int32_t*") IntPointer targets();
    public native CtcBatch targets(IntPointer setter);
    public native @Cast("const int64_t*") LongPointer target_offsets();
    public native CtcBatch target_offsets(LongPointer setter);
    public native @Cast("const int64_t*") LongPointer target_lengths();
    public native CtcBatch target_lengths(LongPointer setter);
    public native @Cast("int64_t") long targets_size();
    public native CtcBatch targets_size(long setter);
    public native int blank();
    public native CtcBatch blank(int setter);
  }

  /** {@code ctc4j_ctc_options}: the input kind and zero_infinity. */
  @Name("ctc4j_ctc_options")
  public static final class CtcOptions extends Pointer {
    static {
      org.bytedeco.javacpp.Loader.load();
    }

    public CtcOptions(Pointer p) {
      super(p);
    }

    public native int input_kind();
    public native CtcOptions input_kind(int setter);
    public native int zero_infinity();
    public native CtcOptions zero_infinity(int setter);
  }

  public static native @ByVal CtcBatch ctc4j_ctc_default_batch();

  public static native @ByVal CtcOptions ctc4j_ctc_default_options();

  public static native int ctc4j_ctc_loss(int device, @Const CtcBatch batch, @Const CtcOptions options,
      FloatPointer losses, @Cast("const float*") FloatPointer gradScales, FloatPointer grad);

  public static native int ctc4j_ctc_posteriors(@Const CtcBatch batch, FloatPointer posteriors,
      @Cast("int64_t") long positions, DoublePointer logLikelihoods);

  public static native int ctc4j_ctc_viterbi(@Const CtcBatch batch, @Cast("int32_t*") IntPointer states,
      DoublePointer pathLogProbs);
}
