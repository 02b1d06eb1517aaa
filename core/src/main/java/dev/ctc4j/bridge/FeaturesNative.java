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

/** Binding of {@code ctc4j/features.h}. */
@Properties(inherit = CoreNative.class, value = @Platform(include = "ctc4j/features.h", library = "jnictc4j"))
public final class FeaturesNative {
  static {
    org.bytedeco.javacpp.Loader.load();
  }

  private FeaturesNative() {}

  /** Opaque {@code ctc4j_mel*}: an immutable log-mel plan. */
  @Opaque
  @Name("ctc4j_mel")
  public static final class MelPlan extends Pointer {
    public MelPlan() {
      super((Pointer) null);
    }
  }

  @MemberGetter public static native int CTC4J_MEL_HTK();
  @MemberGetter public static native int CTC4J_MEL_SLANEY();
  @MemberGetter public static native int CTC4J_FILTER_NORM_NONE();
  @MemberGetter public static native int CTC4J_FILTER_NORM_SLANEY();
  @MemberGetter public static native int CTC4J_NORMALIZE_NONE();
  @MemberGetter public static native int CTC4J_NORMALIZE_UTTERANCE();
  @MemberGetter public static native int CTC4J_NORMALIZE_FEATURE();

  /** {@code ctc4j_mel_config}: the settings of a log-mel plan. */
  @Name("ctc4j_mel_config")
  public static final class MelConfig extends Pointer {
    static {
      org.bytedeco.javacpp.Loader.load();
    }

    public MelConfig(Pointer p) {
      super(p);
    }

    public native int sample_rate();
    public native MelConfig sample_rate(int setter);
    public native int n_fft();
    public native MelConfig n_fft(int setter);
    public native int win_length();
    public native MelConfig win_length(int setter);
    public native int hop_length();
    public native MelConfig hop_length(int setter);
    public native int n_mels();
    public native MelConfig n_mels(int setter);
    public native float f_min();
    public native MelConfig f_min(float setter);
    public native float f_max();
    public native MelConfig f_max(float setter);
    public native int mel_scale();
    public native MelConfig mel_scale(int setter);
    public native int filter_norm();
    public native MelConfig filter_norm(int setter);
    public native int center();
    public native MelConfig center(int setter);
  }

  /** {@code ctc4j_features_audio}: a batch of padded audio [batch, stride] and its lengths. */
  @Name("ctc4j_features_audio")
  public static final class Audio extends Pointer {
    static {
      org.bytedeco.javacpp.Loader.load();
    }

    public Audio(Pointer p) {
      super(p);
    }

    public native @Cast("const float*") FloatPointer samples();
    public native Audio samples(FloatPointer setter);
    public native @Cast("const int64_t*") LongPointer lengths();
    public native Audio lengths(LongPointer setter);
    public native int batch();
    public native Audio batch(int setter);
    public native @Cast("int64_t") long stride();
    public native Audio stride(long setter);
  }

  public static native @ByVal MelConfig ctc4j_mel_default_config();

  public static native @ByVal Audio ctc4j_features_default_audio();

  public static native int ctc4j_mel_create(@Const MelConfig config, @ByPtrPtr MelPlan out);

  public static native int ctc4j_mel_destroy(MelPlan mel);

  public static native int ctc4j_mel_frames(@Const MelPlan mel, @Cast("int64_t") long samples, @Cast("int64_t*") LongPointer frames);

  public static native int ctc4j_mel_filterbank(@Const MelPlan mel, FloatPointer out);

  public static native int ctc4j_features_log_mel(@Const MelPlan mel, int device, @Const Audio audio, int normalize,
      FloatPointer out, @Cast("int64_t") long maxFrames, @Cast("int64_t*") LongPointer frames);

  public static native int ctc4j_features_mask(
      int device, FloatPointer features, int batch, int nMels, @Cast("int64_t") long maxFrames,
      @Cast("const int32_t*") IntPointer masks, int nMasks, float value);
}
