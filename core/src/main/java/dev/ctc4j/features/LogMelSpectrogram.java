package dev.ctc4j.features;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.bridge.FeaturesNative;
import dev.ctc4j.bridge.FeaturesNative.MelPlan;
import dev.ctc4j.bridge.NativeStatus;
import dev.ctc4j.tensor.DType;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import java.util.List;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;

/**
 * Log-mel front end: torchaudio's MelSpectrogram (power 2) then ln(max(x, 1e-10)), optionally
 * normalised per utterance, batched over utterances of different lengths, on the CPU or CUDA.
 *
 * <p>Immutable and thread-safe once built: share one instance across threads. Holds a native plan;
 * close it when done.
 */
public final class LogMelSpectrogram implements AutoCloseable {
  private final MelConfig config;
  private MelPlan plan;

  public LogMelSpectrogram(MelConfig config) {
    this.config = config;
    MelPlan created = new MelPlan();
    try (FeaturesNative.MelConfig settings = FeaturesNative.ctc4j_mel_default_config().sample_rate(config.sampleRate())
        .n_fft(config.nFft()).win_length(config.winLength()).hop_length(config.hopLength()).n_mels(config.nMels())
        .f_min(config.fMin()).f_max(config.fMax())
        .mel_scale(config.melScale() == MelScale.SLANEY ? FeaturesNative.CTC4J_MEL_SLANEY() : FeaturesNative.CTC4J_MEL_HTK())
        .filter_norm(config.filterNorm() == FilterNorm.SLANEY ? FeaturesNative.CTC4J_FILTER_NORM_SLANEY()
            : FeaturesNative.CTC4J_FILTER_NORM_NONE())
        .center(config.center() ? 1 : 0)) {
      NativeStatus.check(FeaturesNative.ctc4j_mel_create(settings, created), "log-mel settings " + config);
    }
    this.plan = created;
  }

  public MelConfig config() {
    return config;
  }

  /** Frames produced for {@code samples} input samples. */
  public long frames(long samples) {
    try (LongPointer out = new LongPointer(1)) {
      NativeStatus.check(FeaturesNative.ctc4j_mel_frames(plan(), samples, out), "frame count");
      return out.get();
    }
  }

  /** The filterbank [n_fft/2 + 1][n_mels], as torchaudio.functional.melscale_fbanks returns it. */
  public float[][] filterbank() {
    int bins = config.nFft() / 2 + 1;
    try (FloatPointer out = new FloatPointer((long) bins * config.nMels())) {
      NativeStatus.check(FeaturesNative.ctc4j_mel_filterbank(plan(), out), "filterbank");
      float[][] fb = new float[bins][config.nMels()];
      for (int k = 0; k < bins; k++) out.position((long) k * config.nMels()).get(fb[k]);
      return fb;
    }
  }

  /** One utterance on the CPU: [n_mels][frames]. */
  public float[][] compute(float[] audio) {
    try (Features f = compute(List.of(audio), Device.CPU)) {
      return f.utterance(0);
    }
  }

  /** A batch of utterances of any lengths, computed on {@code device}. */
  public Features compute(List<float[]> utterances, Device device) {
    long[] lengths = new long[utterances.size()];
    long longest = 0;
    for (int b = 0; b < lengths.length; b++) {
      float[] u = utterances.get(b);
      requireFinite(u, b);
      lengths[b] = u.length;
      longest = Math.max(longest, u.length);
    }
    float[] padded = new float[Math.toIntExact(lengths.length * longest)];
    for (int b = 0; b < lengths.length; b++) {
      System.arraycopy(utterances.get(b), 0, padded, Math.toIntExact(b * longest), (int) lengths[b]);
    }
    try (Tensor audio = Tensor.of(device, padded, lengths.length, longest)) {
      return compute(audio, lengths);
    }
  }

  /** Audio [batch, samples] (utterance b's first lengths[b] samples) on any device; output on the same device. */
  public Features compute(Tensor audio, long[] lengths) {
    if (audio.rank() != 2 || audio.dtype() != DType.F32 || audio.dim(0) != lengths.length) {
      throw new InvalidInputException("audio must be float32 [batch, samples] with one length per row, got " + audio
          + " and " + lengths.length + " lengths");
    }
    long maxFrames = 0;
    for (long n : lengths) maxFrames = Math.max(maxFrames, frames(Math.max(0, n)));
    int batch = lengths.length;
    Tensor out = Tensor.empty(audio.device(), DType.F32, batch, config.nMels(), maxFrames);
    int normalize = switch (config.normalization()) {
      case NONE -> FeaturesNative.CTC4J_NORMALIZE_NONE();
      case PER_UTTERANCE -> FeaturesNative.CTC4J_NORMALIZE_UTTERANCE();
      case PER_FEATURE -> FeaturesNative.CTC4J_NORMALIZE_FEATURE();
    };
    try (LongPointer lens = new LongPointer(lengths); LongPointer frames = new LongPointer(Math.max(1, batch));
        FeaturesNative.Audio in = FeaturesNative.ctc4j_features_default_audio()
            .samples(new FloatPointer(audio.data())).lengths(lens).batch(batch).stride(audio.dim(1))) {
      NativeStatus.check(
          FeaturesNative.ctc4j_features_log_mel(plan(), audio.device().nativeId(), in, normalize,
              new FloatPointer(out.data()), maxFrames, frames),
          "log-mel");
      long[] counts = new long[batch];
      frames.get(counts);
      return new Features(out, counts);
    } catch (RuntimeException e) {
      out.close();
      throw e;
    }
  }

  @Override
  public void close() {
    if (plan != null) {
      NativeStatus.check(FeaturesNative.ctc4j_mel_destroy(plan), "destroy log-mel plan");
      plan = null;
    }
  }

  private MelPlan plan() {
    if (plan == null) throw new IllegalStateException("LogMelSpectrogram is closed");
    return plan;
  }

  private static void requireFinite(float[] audio, int utterance) {
    for (int i = 0; i < audio.length; i++) {
      if (!Float.isFinite(audio[i])) {
        throw new InvalidInputException("utterance " + utterance + ": sample " + i + " is " + audio[i]);
      }
    }
  }
}
