package dev.ctc4j.bridge;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.ByPtrPtr;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
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

  public static native int ctc4j_mel_create(
      int sampleRate, int nFft, int winLength, int hopLength, int nMels, float fMin, float fMax, int melScale,
      int filterNorm, int center, @ByPtrPtr MelPlan out);

  public static native int ctc4j_mel_destroy(MelPlan mel);

  public static native int ctc4j_mel_frames(@Const MelPlan mel, @Cast("int64_t") long samples, @Cast("int64_t*") LongPointer frames);

  public static native int ctc4j_mel_filterbank(@Const MelPlan mel, FloatPointer out);

  public static native int ctc4j_log_mel(
      @Const MelPlan mel, int device, @Cast("const float*") FloatPointer audio, @Cast("const int64_t*") LongPointer lengths,
      int batch, @Cast("int64_t") long audioStride, int normalize, FloatPointer out, @Cast("int64_t") long maxFrames,
      @Cast("int64_t*") LongPointer frames);

  public static native int ctc4j_mask_features(
      int device, FloatPointer features, int batch, int nMels, @Cast("int64_t") long maxFrames,
      @Cast("const int32_t*") IntPointer masks, int nMasks, float value);
}
