package dev.ctc4j.bridge;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.annotation.ByPtrPtr;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.Opaque;
import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;

/** Binding of {@code ctc4j/decode.h}. */
@Properties(inherit = CoreNative.class, value = @Platform(include = "ctc4j/decode.h", library = "jnictc4j"))
public final class DecodeNative {
  static {
    org.bytedeco.javacpp.Loader.load();
  }

  private DecodeNative() {}

  public static final int LM_WORD = 0;
  public static final int LM_CHAR = 1;

  /** Opaque {@code ctc4j_lm*}: an immutable n-gram table. */
  @Opaque
  @Name("ctc4j_lm")
  public static final class LmTable extends Pointer {
    public LmTable() {
      super((Pointer) null);
    }
  }

  /** Opaque {@code ctc4j_beam_decoder*}: an immutable beam-search configuration. */
  @Opaque
  @Name("ctc4j_beam_decoder")
  public static final class BeamDecoder extends Pointer {
    public BeamDecoder() {
      super((Pointer) null);
    }
  }

  public static native int ctc4j_lm_create(
      int order, @Cast("const int64_t*") LongPointer counts, @Cast("const char*") BytePointer words, int vocabSize,
      @Cast("const int32_t* const*") PointerPointer<?> ids, @Cast("const float* const*") PointerPointer<?> probs,
      @Cast("const float* const*") PointerPointer<?> backoffs, @ByPtrPtr LmTable out);

  public static native int ctc4j_lm_destroy(LmTable lm);

  public static native int ctc4j_lm_save(@Const LmTable lm, @Cast("const char*") BytePointer path,
      @Cast("uint64_t") long fingerprint);

  public static native int ctc4j_lm_load(@Cast("const char*") BytePointer path, @Cast("uint64_t") long fingerprint,
      @ByPtrPtr LmTable out);

  public static native int ctc4j_lm_info(@Const LmTable lm, IntPointer order, IntPointer vocabSize,
      @Cast("int64_t*") LongPointer nativeBytes);

  public static native int ctc4j_lm_word_id(@Const LmTable lm, @Cast("const char*") BytePointer word, IntPointer id);

  public static native int ctc4j_lm_log10_prob(@Const LmTable lm, @Cast("const int32_t*") IntPointer words, int n,
      FloatPointer out);

  public static native int ctc4j_greedy_decode(
      int device, @Cast("const float*") FloatPointer emissions, @Cast("const int64_t*") LongPointer lengths, int batch,
      @Cast("int64_t") long maxFrames, int classes, int logProbs, int blank, FloatPointer scores,
      @Cast("int32_t*") IntPointer hypLengths, @Cast("int32_t*") IntPointer tokens, @Cast("int32_t*") IntPointer starts,
      @Cast("int32_t*") IntPointer ends, FloatPointer confidence);

  public static native int ctc4j_beam_decoder_create(
      @Cast("const char*") BytePointer labels, int classes, int blank, int space, @Const LmTable lm, int lmUnit,
      float alpha, float beta, float oovLog10, @Cast("const char*") BytePointer lexicon, int nLexicon,
      @Cast("const char*") BytePointer hotwords, @Cast("const float*") FloatPointer hotwordBonus, int nHotwords,
      @ByPtrPtr BeamDecoder out);

  public static native int ctc4j_beam_decoder_destroy(BeamDecoder decoder);

  public static native int ctc4j_beam_decode(
      @Const BeamDecoder decoder, int device, @Cast("const float*") FloatPointer emissions,
      @Cast("const int64_t*") LongPointer lengths, int batch, @Cast("int64_t") long maxFrames, int logProbs, int beam,
      int topK, float tokenMinLogProb, float blankSkipLogProb, int nBest, @Cast("int32_t*") IntPointer hypCount,
      FloatPointer scores, @Cast("int32_t*") IntPointer hypLengths, @Cast("int32_t*") IntPointer tokens,
      @Cast("int32_t*") IntPointer starts, @Cast("int32_t*") IntPointer ends, FloatPointer confidence);
}
