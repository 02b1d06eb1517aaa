package dev.ctc4j.bridge;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.annotation.ByPtrPtr;
import org.bytedeco.javacpp.annotation.ByVal;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.MemberGetter;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.Opaque;
import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;

/** Binding of {@code ctc4j/decode.h}; its structs as in {@link CtcNative}. */
@Properties(inherit = CoreNative.class, value = @Platform(include = "ctc4j/decode.h", library = "jnictc4j"))
public final class DecodeNative {
  static {
    org.bytedeco.javacpp.Loader.load();
  }

  private DecodeNative() {}

  @MemberGetter public static native int CTC4J_LM_WORD();
  @MemberGetter public static native int CTC4J_LM_CHAR();

  public static final int LM_WORD = CTC4J_LM_WORD();
  public static final int LM_CHAR = CTC4J_LM_CHAR();

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

  /** {@code ctc4j_decode_emissions}: [batch, max_frames, classes] on the decoding device, host lengths. */
  @Name("ctc4j_decode_emissions")
  public static final class Emissions extends Pointer {
    static {
      org.bytedeco.javacpp.Loader.load();
    }

    public Emissions(Pointer p) {
      super(p);
    }

    public native @Cast("const float*") FloatPointer data();
    public native Emissions data(FloatPointer setter);
    public native @Cast("const int64_t*") LongPointer lengths();
    public native Emissions lengths(LongPointer setter);
    public native int batch();
    public native Emissions batch(int setter);
    public native @Cast("int64_t") long max_frames();
    public native Emissions max_frames(long setter);
    public native int classes();
    public native Emissions classes(int setter);
    public native int log_probs();
    public native Emissions log_probs(int setter);
  }

  /** {@code ctc4j_decode_hypotheses}: the host arrays hypotheses are written to. */
  @Name("ctc4j_decode_hypotheses")
  public static final class Hypotheses extends Pointer {
    static {
      org.bytedeco.javacpp.Loader.load();
    }

    public Hypotheses(Pointer p) {
      super(p);
    }

    public native int n_best();
    public native Hypotheses n_best(int setter);
    public native @Cast("int32_t*") IntPointer count();
    public native Hypotheses count(IntPointer setter);
    public native FloatPointer scores();
    public native Hypotheses scores(FloatPointer setter);
    public native @Cast("int32_t*") IntPointer lengths();
    public native Hypotheses lengths(IntPointer setter);
    public native @Cast("int32_t*") IntPointer tokens();
    public native Hypotheses tokens(IntPointer setter);
    public native @Cast("int32_t*") IntPointer starts();
    public native Hypotheses starts(IntPointer setter);
    public native @Cast("int32_t*") IntPointer ends();
    public native Hypotheses ends(IntPointer setter);
    public native FloatPointer confidence();
    public native Hypotheses confidence(FloatPointer setter);
  }

  /** {@code ctc4j_beam_decoder_config}: what ctc4j_beam_decoder_create builds a decoder from. */
  @Name("ctc4j_beam_decoder_config")
  public static final class BeamDecoderConfig extends Pointer {
    static {
      org.bytedeco.javacpp.Loader.load();
    }

    public BeamDecoderConfig(Pointer p) {
      super(p);
    }

    public native @Cast("const char*") BytePointer labels();
    public native BeamDecoderConfig labels(BytePointer setter);
    public native int classes();
    public native BeamDecoderConfig classes(int setter);
    public native int blank();
    public native BeamDecoderConfig blank(int setter);
    public native int space();
    public native BeamDecoderConfig space(int setter);
    public native @Const LmTable lm();
    public native BeamDecoderConfig lm(@Const LmTable setter);
    public native int lm_unit();
    public native BeamDecoderConfig lm_unit(int setter);
    public native float alpha();
    public native BeamDecoderConfig alpha(float setter);
    public native float beta();
    public native BeamDecoderConfig beta(float setter);
    public native float oov_log10();
    public native BeamDecoderConfig oov_log10(float setter);
    public native @Cast("const char*") BytePointer lexicon();
    public native BeamDecoderConfig lexicon(BytePointer setter);
    public native int n_lexicon();
    public native BeamDecoderConfig n_lexicon(int setter);
    public native @Cast("const char*") BytePointer hotwords();
    public native BeamDecoderConfig hotwords(BytePointer setter);
    public native @Cast("const float*") FloatPointer hotword_bonus();
    public native BeamDecoderConfig hotword_bonus(FloatPointer setter);
    public native int n_hotwords();
    public native BeamDecoderConfig n_hotwords(int setter);
  }

  /** {@code ctc4j_decode_beam_options}: beam width and pruning. */
  @Name("ctc4j_decode_beam_options")
  public static final class BeamOptions extends Pointer {
    static {
      org.bytedeco.javacpp.Loader.load();
    }

    public BeamOptions(Pointer p) {
      super(p);
    }

    public native int beam();
    public native BeamOptions beam(int setter);
    public native int top_k();
    public native BeamOptions top_k(int setter);
    public native float token_min_log_prob();
    public native BeamOptions token_min_log_prob(float setter);
    public native float blank_skip_log_prob();
    public native BeamOptions blank_skip_log_prob(float setter);
  }

  public static native @ByVal Emissions ctc4j_decode_default_emissions();

  public static native @ByVal Hypotheses ctc4j_decode_default_hypotheses();

  public static native @ByVal BeamDecoderConfig ctc4j_beam_decoder_default_config();

  public static native @ByVal BeamOptions ctc4j_decode_default_beam_options();

  public static native int ctc4j_decode_greedy(int device, @Const Emissions emissions, int blank, @Const Hypotheses out);

  public static native int ctc4j_beam_decoder_create(@Const BeamDecoderConfig config, @ByPtrPtr BeamDecoder out);

  public static native int ctc4j_beam_decoder_destroy(BeamDecoder decoder);

  public static native int ctc4j_decode_beam(@Const BeamDecoder decoder, int device, @Const Emissions emissions,
      @Const BeamOptions options, @Const Hypotheses out);
}
