package dev.ctc4j.wav2vec2;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ctc4j.DeviceUnavailableException;
import dev.ctc4j.InvalidInputException;
import dev.ctc4j.decode.EmissionKind;
import dev.ctc4j.decode.GreedyDecoder;
import dev.ctc4j.decode.Hypothesis;
import dev.ctc4j.model.Checkpoint;
import dev.ctc4j.model.StateDictSize;
import dev.ctc4j.nn.Linear;
import dev.ctc4j.nn.LogSoftmax;
import dev.ctc4j.nn.Module;
import dev.ctc4j.nn.Ops;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * A wav2vec 2.0 CTC model for inference (torchaudio's Wav2Vec2Model with its {@code aux} head):
 * a 16 kHz waveform in, one row of emissions per 20 ms frame out. Parameters carry torchaudio's
 * state_dict names, with the positional convolution's weight norm folded into
 * {@code encoder.transformer.pos_conv_embed.conv.weight}; {@link Wav2Vec2Import} reads Hugging Face
 * and torchaudio checkpoints.
 *
 * <p>Threads: a loaded model is immutable; any number of threads may run it at once (each call
 * allocates its own activations). Utterances run one at a time through the kernels, so no padding
 * or attention masks are involved. Long recordings, batching, streaming and decoding come from the
 * shared inference stack: {@link dev.ctc4j.infer.SpeechModel} and {@link dev.ctc4j.infer.Transcriber}.
 */
public final class Wav2Vec2Model extends Module {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final double NORMALIZE_EPS = 1e-7; // Wav2Vec2FeatureExtractor's zero_mean_unit_var_norm

  private final Wav2Vec2Config config;
  private final Device device;
  private final FeatureExtractor featureExtractor;
  private final Encoder encoder;
  private final Linear aux;

  private Wav2Vec2Model(Wav2Vec2Config config, Device device, SplittableRandom rng) {
    if (device.isCuda()) {
      throw new DeviceUnavailableException("wav2vec2 runs on the CPU in this build (no CUDA GEMM); got " + device);
    }
    this.config = config;
    this.device = device;
    featureExtractor = child("feature_extractor", new FeatureExtractor(config, device, rng));
    encoder = child("encoder", new Encoder(config, device, rng));
    aux = child("aux", new Linear(device, config.embedDim(), config.classes(), true, rng));
    super.train(false);
  }

  /** A model with PyTorch's default initialisation drawn from {@code seed} (tests, benchmarks). */
  public static Wav2Vec2Model create(Wav2Vec2Config config, Device device, long seed) {
    return new Wav2Vec2Model(config, device, new SplittableRandom(seed));
  }

  /** Loads a checkpoint folder (config.json + model.safetensors), checking every tensor's name and shape. */
  public static Wav2Vec2Model load(Path dir, Device device) throws IOException {
    Wav2Vec2Config config = readConfig(dir);
    Checkpoint.requireWeightsOfSize(dir, () -> stateSize(config)); // before allocating what the config claims
    Wav2Vec2Model model = new Wav2Vec2Model(config, device, new SplittableRandom(0));
    try {
      Checkpoint.loadModelWeights(model, dir);
      return model;
    } catch (IOException | RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /** The floats in the state dict of the model {@code config} builds, computed without building it. */
  static long stateSize(Wav2Vec2Config config) {
    return StateDictSize.sum(FeatureExtractor.stateSize(config), Encoder.stateSize(config),
        StateDictSize.linear(config.embedDim(), config.classes(), true));
  }

  /** A wav2vec2 folder's config.json, validated; typed errors for a bad file. */
  public static Wav2Vec2Config readConfig(Path dir) throws IOException {
    try {
      Wav2Vec2Config config = JSON.readValue(dir.resolve(Checkpoint.CONFIG).toFile(), Wav2Vec2Config.class);
      if (config == null) throw new InvalidInputException(dir.resolve(Checkpoint.CONFIG) + ": not a JSON object");
      return config;
    } catch (JacksonException e) {
      throw new InvalidInputException(dir.resolve(Checkpoint.CONFIG) + ": " + e.getOriginalMessage());
    } catch (java.io.CharConversionException e) { // Jackson's encoding detection: bytes that are no Unicode text
      throw new InvalidInputException(dir.resolve(Checkpoint.CONFIG) + ": not JSON text: " + e.getMessage());
    }
  }

  /** Writes config.json and model.safetensors into {@code dir}, each atomically. */
  public void save(Path dir) throws IOException {
    Checkpoint.save(dir, this, config);
  }

  public Wav2Vec2Config config() {
    return config;
  }

  public Device device() {
    return device;
  }

  /** Inference only: the layers keep no training state. */
  @Override
  public void train(boolean on) {
    if (on) throw new UnsupportedOperationException("Wav2Vec2Model is for inference only");
    super.train(false);
  }

  /**
   * The CTC head's logits [1, frames, classes] for a 16 kHz waveform (torchaudio's emissions).
   * Throws {@link InvalidInputException} for a waveform shorter than the receptive field (400
   * samples, 25 ms) or holding NaN or infinite samples.
   */
  public Tensor logits(float[] waveform) {
    int frames = checkFrames(waveform);
    try (Tensor samples = Tensor.of(device, prepare(waveform), waveform.length, 1)) {
      Tensor x = TimeMajor.then(featureExtractor.forward(samples), encoder::forward);
      return TimeMajor.then(TimeMajor.then(x, h -> Ops.reshape(h, 1, frames, config.embedDim())), aux::forward);
    }
  }

  /** Log-probabilities [1, frames, classes]: log-softmax of {@link #logits}, as the decoders take them. */
  public Tensor logProbs(float[] waveform) {
    return logSoftmax(logits(waveform));
  }

  /** Greedy (best-path) transcript of a 16 kHz waveform; word separators become spaces. */
  public Hypothesis transcribe(float[] waveform) {
    try (Tensor logProbs = logProbs(waveform)) {
      return greedyDecoder().decode(logProbs, new long[] {logProbs.dim(1)}, EmissionKind.LOG_PROBS).get(0);
    }
  }

  public GreedyDecoder greedyDecoder() {
    return new GreedyDecoder(config.decoderLabels(), config.frameSeconds());
  }

  /** Log-softmax over the classes of logits (freed). */
  static Tensor logSoftmax(Tensor logits) {
    try (LogSoftmax logSoftmax = new LogSoftmax()) {
      logSoftmax.train(false);
      return TimeMajor.then(logits, logSoftmax::forward);
    }
  }

  private int checkFrames(float[] waveform) {
    if (waveform == null || waveform.length == 0) throw new InvalidInputException("empty waveform");
    int frames = config.outputFrames(waveform.length);
    if (frames == 0) {
      throw new InvalidInputException("waveform of " + waveform.length + " samples is shorter than the model's "
          + config.receptiveField() + "-sample receptive field");
    }
    for (int i = 0; i < waveform.length; i++) {
      if (!Float.isFinite(waveform[i])) throw new InvalidInputException("sample " + i + " is " + waveform[i]);
    }
    return frames;
  }

  /** The waveform as the encoder takes it: normalised to zero mean and unit variance when the config says so. */
  private float[] prepare(float[] waveform) {
    if (!config.normalizeWaveform()) return waveform;
    double sum = 0, sumSq = 0;
    for (float s : waveform) {
      sum += s;
      sumSq += (double) s * s;
    }
    double mean = sum / waveform.length;
    double var = Math.max(0, sumSq / waveform.length - mean * mean);
    double scale = 1 / Math.sqrt(var + NORMALIZE_EPS);
    float[] out = new float[waveform.length];
    for (int i = 0; i < out.length; i++) out[i] = (float) ((waveform[i] - mean) * scale);
    return out;
  }
}
