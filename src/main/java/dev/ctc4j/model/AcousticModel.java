package dev.ctc4j.model;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.nn.Module;
import dev.ctc4j.nn.Ops;
import dev.ctc4j.tensor.Tensor;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A CTC acoustic model: features [N, n_features, T] (as the log-mel front end produces them) and
 * per-utterance frame counts in, log-probabilities [T', N, classes] (time-major, as CTC losses take
 * them) and output frame counts out. Inference (train(false)) is thread-safe on a loaded model.
 */
public abstract class AcousticModel extends Module {
  /** logProbs [T', N, classes]; lengths: valid output frames per utterance. */
  public record Output(Tensor logProbs, int[] lengths) implements AutoCloseable {
    @Override
    public void close() {
      logProbs.close();
    }
  }

  private final ModelConfig config;

  protected AcousticModel(ModelConfig config) {
    this.config = config;
  }

  public static AcousticModel create(ModelConfig config, dev.ctc4j.tensor.Device device, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    return switch (config.architecture()) {
      case "deepspeech2" -> new DeepSpeech2(config, device, rng);
      case "rescnn_bigru" -> new ResCnnBiGru(config, device, rng);
      default -> new CtcModel(config, device, rng);
    };
  }

  public ModelConfig config() {
    return config;
  }

  public abstract Output forward(Tensor features, int[] lengths);

  /** Output frames for an utterance of {@code inputFrames} feature frames. */
  public abstract int outputLength(int inputFrames);

  /** Feature frames consumed per output frame (the time stride; a streaming chunk's granularity). */
  public abstract int inputFramesPerOutputFrame();

  /** Seconds between output frames. */
  public double outputFrameSeconds() {
    return inputFramesPerOutputFrame() * config.hopSeconds();
  }

  /** Start time in seconds of output frame k (for timestamps). */
  public double frameTime(int k) {
    return k * outputFrameSeconds();
  }

  public int[] outputLengths(int[] lengths) {
    int[] out = new int[lengths.length];
    for (int i = 0; i < lengths.length; i++) out[i] = outputLength(lengths[i]);
    return out;
  }

  protected final void checkInput(Tensor features, int[] lengths) {
    Ops.requireShape(features, getClass().getSimpleName(), -1, config.nFeatures(), -1);
    if (lengths.length != features.dim(0)) {
      throw new InvalidInputException(lengths.length + " lengths for a batch of " + features.dim(0));
    }
    for (int i = 0; i < lengths.length; i++) {
      if (lengths[i] < 0 || lengths[i] > features.dim(2)) {
        throw new InvalidInputException("utterance " + i + ": length " + lengths[i] + " outside [0, "
            + features.dim(2) + "]");
      }
    }
  }

}
