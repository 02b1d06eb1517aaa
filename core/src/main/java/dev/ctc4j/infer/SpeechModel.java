package dev.ctc4j.infer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.ctc4j.InvalidInputException;
import dev.ctc4j.decode.GreedyDecoder;
import dev.ctc4j.decode.Hypothesis;
import dev.ctc4j.decode.EmissionKind;
import dev.ctc4j.decode.Labels;
import dev.ctc4j.data.TextNormalizer;
import dev.ctc4j.features.LogMelSpectrogram;
import dev.ctc4j.features.MelConfig;
import dev.ctc4j.io.AtomicFiles;
import dev.ctc4j.model.AcousticModel;
import dev.ctc4j.model.Checkpoint;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import dev.ctc4j.wav2vec2.Wav2Vec2Config;
import dev.ctc4j.wav2vec2.Wav2Vec2Model;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A model ready for inference, of any family: a trained CTC model (a log-mel front end, then the
 * acoustic model; the folder holds {@code config.json}, {@code model.safetensors} and
 * {@code features.json}) or an imported wav2vec2/HuBERT CTC model (the waveform in; {@code config.json}
 * with architecture {@code wav2vec2} and {@code model.safetensors}). It states what it takes
 * ({@link #input()}), its labels and its text normalisation; the {@link Transcriber}, streaming,
 * evaluation, alignment and the service take any of them the same way.
 *
 * <p>Immutable after loading and thread-safe: share one instance across threads. Close it to free
 * the weights.
 */
public final class SpeechModel implements AutoCloseable {
  public static final String FEATURES = "features.json";
  private static final ObjectMapper JSON = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).enable(SerializationFeature.INDENT_OUTPUT);

  /** What a model reads from the 16 kHz waveform. */
  public enum InputKind { LOG_MEL, WAVEFORM }

  /**
   * What a model takes: log-mel features it computes itself or the raw waveform, at
   * {@code sampleRate}, one output frame per {@code samplesPerFrame} samples; {@code normalisation}
   * says in words how the input is normalised.
   */
  public record Input(InputKind kind, int sampleRate, int samplesPerFrame, String normalisation) {
    public double frameSeconds() {
      return samplesPerFrame / (double) sampleRate;
    }
  }

  private final Network network;
  private final Input input;
  private final Labels labels;
  private final Device device;
  private final GreedyDecoder greedyDecoder;
  private final TextNormalizer textNormalizer;

  /** Takes ownership of {@code acoustic}; switches it to inference mode. */
  public SpeechModel(AcousticModel acoustic, MelConfig features, Device device) {
    this(new LogMelNetwork(acoustic, features, device, true), trainedLabels(acoustic), device);
  }

  /** A view of a model its caller keeps owning (a trainer evaluating between epochs); close frees only the front end. */
  public static SpeechModel borrowing(AcousticModel acoustic, MelConfig features, Device device) {
    return new SpeechModel(new LogMelNetwork(acoustic, features, device, false), trainedLabels(acoustic), device);
  }

  /** Takes ownership of a wav2vec2-family model. */
  public SpeechModel(Wav2Vec2Model waveformModel) {
    this(new WaveformNetwork(waveformModel), waveformModel.config().decoderLabels(), waveformModel.device());
  }

  /** Closes the network (and with it what it owns) if the rest of the model cannot be built. */
  private SpeechModel(Network network, Labels labels, Device device) {
    try {
      this.input = network.input();
      this.greedyDecoder = new GreedyDecoder(labels, input.frameSeconds());
      this.textNormalizer = TextNormalizer.forLabels(labels);
    } catch (RuntimeException e) {
      network.close();
      throw e;
    }
    this.network = network;
    this.labels = labels;
    this.device = device;
  }

  /** The labels of a model trained here: its config's, the blank first. */
  private static Labels trainedLabels(AcousticModel acoustic) {
    List<String> tokens = acoustic.config().labels();
    return new Labels(tokens, 0, tokens.indexOf(" "));
  }

  /** Loads any model folder: its config.json's architecture says which family it is. */
  public static SpeechModel load(Path dir, Device device) throws IOException {
    if (Wav2Vec2Config.ARCHITECTURE.equals(Checkpoint.architecture(dir))) {
      return new SpeechModel(Wav2Vec2Model.load(dir, device)); // the constructor closes what it took on failure
    }
    MelConfig features = readFeatures(dir);
    AcousticModel acoustic = Checkpoint.load(dir, device);
    try {
      return new SpeechModel(acoustic, features, device);
    } catch (RuntimeException e) {
      acoustic.close(); // closing twice is harmless where the network already closed it
      throw e;
    }
  }

  /** Writes a model directory: each file atomically, features.json last. */
  public static void save(Path dir, AcousticModel acoustic, MelConfig features) throws IOException {
    Checkpoint.save(dir, acoustic);
    AtomicFiles.write(dir.resolve(FEATURES), JSON.writeValueAsBytes(features));
  }

  public static MelConfig readFeatures(Path dir) throws IOException {
    Path file = dir.resolve(FEATURES);
    if (!Files.exists(file)) throw new InvalidInputException(dir + " is not a model directory: " + FEATURES + " is missing");
    try {
      MelConfig features = JSON.readValue(file.toFile(), MelConfig.class);
      if (features == null) throw new InvalidInputException(file + ": not a JSON object");
      return features;
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw new InvalidInputException(file + ": " + e.getOriginalMessage());
    } catch (java.io.CharConversionException e) { // Jackson's encoding detection: bytes that are no Unicode text
      throw new InvalidInputException(file + ": not JSON text: " + e.getMessage());
    }
  }

  public Input input() {
    return input;
  }

  /** The acoustic model of a log-mel model; an {@link IllegalStateException} for a waveform model. */
  public AcousticModel acoustic() {
    return logMel().acoustic();
  }

  /** The front end of a log-mel model; an {@link IllegalStateException} for a waveform model. */
  public LogMelSpectrogram frontEnd() {
    return logMel().frontEnd();
  }

  LogMelNetwork logMel() {
    if (network instanceof LogMelNetwork m) return m;
    throw new IllegalStateException("a " + input.kind() + " model has no log-mel front end or acoustic model");
  }

  /** True when streams run incrementally with recurrent state carried (causal log-mel models), else in windows. */
  public boolean streamsIncrementally() {
    return network instanceof LogMelNetwork m && m.acoustic().supportsStreaming();
  }

  public Labels labels() {
    return labels;
  }

  /** How references and transcripts are normalised before they are compared or aligned: by this model's labels. */
  public TextNormalizer textNormalizer() {
    return textNormalizer;
  }

  public Device device() {
    return device;
  }

  /** Seconds between output frames. */
  public double frameSeconds() {
    return input.frameSeconds();
  }

  /** Log-probabilities [batch, frames, classes] (batch-major, as the decoders take them) and frame counts. */
  public record Emissions(Tensor logProbs, long[] lengths) implements AutoCloseable {
    @Override
    public void close() {
      logProbs.close();
    }
  }

  /** Emissions for 16 kHz mono utterances of any lengths, computed as one batch. */
  public Emissions emissions(List<float[]> audio) {
    return network.emissions(audio);
  }

  /** Best-path transcripts of a batch. */
  public List<Hypothesis> greedy(List<float[]> audio) {
    try (Emissions e = emissions(audio)) {
      return greedy(e);
    }
  }

  /** Best-path transcripts of emissions this model produced. */
  public List<Hypothesis> greedy(Emissions emissions) {
    return greedyDecoder.decode(emissions.logProbs(), emissions.lengths(), EmissionKind.LOG_PROBS);
  }

  @Override
  public void close() {
    network.close();
  }
}
