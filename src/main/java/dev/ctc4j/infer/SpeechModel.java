package dev.ctc4j.infer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.ctc4j.InvalidInputException;
import dev.ctc4j.decode.GreedyDecoder;
import dev.ctc4j.decode.Hypothesis;
import dev.ctc4j.decode.EmissionKind;
import dev.ctc4j.decode.Labels;
import dev.ctc4j.features.Features;
import dev.ctc4j.features.LogMelSpectrogram;
import dev.ctc4j.features.MelConfig;
import dev.ctc4j.io.AtomicFiles;
import dev.ctc4j.model.AcousticModel;
import dev.ctc4j.model.Checkpoint;
import dev.ctc4j.nn.Ops;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * A trained model ready for inference: the acoustic model, its log-mel front end and its labels,
 * loaded from a model directory ({@code config.json}, {@code model.safetensors} and
 * {@code features.json}, the front end's settings). Immutable after loading and thread-safe:
 * share one instance across threads. Close it to free the weights.
 */
public final class SpeechModel implements AutoCloseable {
  public static final String FEATURES = "features.json";
  private static final ObjectMapper JSON = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).enable(SerializationFeature.INDENT_OUTPUT);

  private final AcousticModel acoustic;
  private final LogMelSpectrogram frontEnd;
  private final Labels labels;
  private final Device device;
  private final boolean ownsAcoustic;
  private final GreedyDecoder greedyDecoder;

  /** Takes ownership of {@code acoustic}; switches it to inference mode. */
  public SpeechModel(AcousticModel acoustic, MelConfig features, Device device) {
    this(acoustic, features, device, true);
  }

  /** A view of a model its caller keeps owning (a trainer evaluating between epochs); close frees only the front end. */
  public static SpeechModel borrowing(AcousticModel acoustic, MelConfig features, Device device) {
    return new SpeechModel(acoustic, features, device, false);
  }

  private SpeechModel(AcousticModel acoustic, MelConfig features, Device device, boolean ownsAcoustic) {
    if (features.nMels() != acoustic.config().nFeatures()) {
      throw new InvalidInputException("front end gives " + features.nMels() + " features, the model takes "
          + acoustic.config().nFeatures());
    }
    acoustic.train(false);
    this.acoustic = acoustic;
    this.frontEnd = new LogMelSpectrogram(features);
    this.labels = new Labels(acoustic.config().labels(), 0, acoustic.config().labels().indexOf(" "));
    this.device = device;
    this.ownsAcoustic = ownsAcoustic;
    this.greedyDecoder = new GreedyDecoder(labels, acoustic.outputFrameSeconds());
  }

  public static SpeechModel load(Path dir, Device device) throws IOException {
    MelConfig features = readFeatures(dir);
    AcousticModel acoustic = Checkpoint.load(dir, device);
    try {
      return new SpeechModel(acoustic, features, device);
    } catch (RuntimeException e) {
      acoustic.close();
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
      return JSON.readValue(file.toFile(), MelConfig.class);
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw new InvalidInputException(file + ": " + e.getOriginalMessage());
    }
  }

  public AcousticModel acoustic() {
    return acoustic;
  }

  public LogMelSpectrogram frontEnd() {
    return frontEnd;
  }

  public Labels labels() {
    return labels;
  }

  public Device device() {
    return device;
  }

  /** Seconds between output frames. */
  public double frameSeconds() {
    return acoustic.outputFrameSeconds();
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
    try (Features f = frontEnd.compute(audio, device);
        AcousticModel.Output out = acoustic.forward(f.values(), Arrays.stream(f.frames()).mapToInt(Math::toIntExact).toArray())) {
      return new Emissions(Ops.permute(out.logProbs(), 1, 0, 2), Arrays.stream(out.lengths()).asLongStream().toArray());
    }
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
    frontEnd.close();
    if (ownsAcoustic) acoustic.close();
  }
}
