package dev.ctc4j.bridge;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;

/** Binding of {@code ctc4j/ctc.h}. */
@Properties(inherit = CoreNative.class, value = @Platform(include = "ctc4j/ctc.h", library = "jnictc4j"))
public final class CtcNative {
  static {
    org.bytedeco.javacpp.Loader.load();
  }

  private CtcNative() {}

  public static final int TIME_MAJOR = 0;
  public static final int BATCH_MAJOR = 1;
  public static final int LOG_PROBS = 0;
  public static final int ACTIVATIONS = 1;

  public static native int ctc4j_ctc_loss(
      int device, @Cast("const float*") FloatPointer inputs, int inputKind, int layout, int maxTime, int batch,
      int alphabet, @Cast("const int64_t*") LongPointer inputLengths, @Cast("const int32_t*") IntPointer targets,
      @Cast("const int64_t*") LongPointer targetOffsets, @Cast("const int64_t*") LongPointer targetLengths,
      @Cast("int64_t") long targetsSize, int blank, int zeroInfinity, FloatPointer losses,
      @Cast("const float*") FloatPointer gradScales, FloatPointer grad);

  public static native int ctc4j_ctc_posteriors(
      @Cast("const float*") FloatPointer logProbs, int layout, int maxTime, int batch, int alphabet,
      @Cast("const int64_t*") LongPointer inputLengths, @Cast("const int32_t*") IntPointer targets,
      @Cast("const int64_t*") LongPointer targetOffsets, @Cast("const int64_t*") LongPointer targetLengths,
      @Cast("int64_t") long targetsSize, int blank, FloatPointer posteriors, @Cast("int64_t") long positions,
      DoublePointer logLikelihoods);

  public static native int ctc4j_ctc_viterbi(
      @Cast("const float*") FloatPointer logProbs, int layout, int maxTime, int batch, int alphabet,
      @Cast("const int64_t*") LongPointer inputLengths, @Cast("const int32_t*") IntPointer targets,
      @Cast("const int64_t*") LongPointer targetOffsets, @Cast("const int64_t*") LongPointer targetLengths,
      @Cast("int64_t") long targetsSize, int blank, @Cast("int32_t*") IntPointer states,
      DoublePointer pathLogProbs);
}
