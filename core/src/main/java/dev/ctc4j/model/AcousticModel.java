package dev.ctc4j.model;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.nn.Module;
import dev.ctc4j.nn.Ops;
import dev.ctc4j.nn.Tape;
import dev.ctc4j.tensor.Tensor;
import java.util.SplittableRandom;

/**
 * A CTC acoustic model: features [N, n_features, T] (as the log-mel front end produces them) and
 * per-utterance frame counts in, log-probabilities [T', N, classes] (time-major, as CTC losses take
 * them) and output frame counts out. Inference (train(false)) is thread-safe on a loaded model.
 *
 * <p>Training: {@link #trainingForward} returns the pass with what its backward needs (a {@link Tape});
 * {@link TrainingPass#backward} adds every parameter's gradient. Call {@link #setStep} once per
 * optimiser step so dropout masks are reproducible on resume.
 */
public abstract class AcousticModel extends Module {
  /** logProbs [T', N, classes]; lengths: valid output frames per utterance. */
  public record Output(Tensor logProbs, int[] lengths) implements AutoCloseable {
    @Override
    public void close() {
      logProbs.close();
    }
  }

  /**
   * A training forward pass: its output and its tape. {@link #backward} runs once; close() frees the
   * output and whatever the tape still holds. One thread; passes of one model run one at a time.
   */
  public static final class TrainingPass implements AutoCloseable {
    private final Output output;
    private final Tape tape;

    private TrainingPass(Output output, Tape tape) {
      this.output = output;
      this.tape = tape;
    }

    public Output output() {
      return output;
    }

    /**
     * Back-propagates the gradient of the loss w.r.t. this pass's log-probabilities (the caller keeps
     * it; padded frames' gradient should be zero), adding into every parameter's {@code grad()}, and
     * frees what the pass kept for it.
     */
    public void backward(Tensor gradLogProbs) {
      Ops.requireShape(gradLogProbs, "gradient of the log-probabilities", output.logProbs().shape());
      try (Tensor unused = tape.backward(gradLogProbs)) {
        // The gradient of the features is not needed.
      }
    }

    @Override
    public void close() {
      try (tape) {
        output.close();
      }
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

  /**
   * The floats in the state dict (parameters and running statistics) of the model {@code config}
   * builds, computed without building it; {@link ArithmeticException} past a long.
   */
  public static long stateSize(ModelConfig config) {
    return switch (config.architecture()) {
      case "deepspeech2" -> DeepSpeech2.stateSizeFor(config);
      case "rescnn_bigru" -> ResCnnBiGru.stateSizeFor(config);
      default -> CtcModel.stateSizeFor(config);
    };
  }

  public ModelConfig config() {
    return config;
  }

  /**
   * Log-probabilities of features [N, n_features, T] (frames past lengths[b] are ignored; the
   * caller keeps the tensor). Records nothing for a backward, so it is thread-safe in inference mode.
   */
  public final Output forward(Tensor features, int[] lengths) {
    checkInput(features, lengths);
    int[] outLengths = outputLengths(lengths);
    return new Output(logProbs(features, lengths, outLengths, Tape.NONE), outLengths);
  }

  /** As {@link #forward}, keeping what the backward needs in the returned pass (close it). */
  public final TrainingPass trainingForward(Tensor features, int[] lengths) {
    checkInput(features, lengths);
    int[] outLengths = outputLengths(lengths);
    Tape tape = new Tape();
    try {
      return new TrainingPass(new Output(logProbs(features, lengths, outLengths, tape), outLengths), tape);
    } catch (RuntimeException e) {
      tape.close();
      throw e;
    }
  }

  /**
   * The forward pass from checked features (the caller's) as steps on {@code tape} (see {@link Tape});
   * returns [T', N, classes].
   */
  protected abstract Tensor logProbs(Tensor features, int[] lengths, int[] outLengths, Tape tape);

  /** Features [N, F, T] as a one-channel image [N, 1, F, T] with padded frames zeroed, for 2-D conv front ends. */
  protected static Tensor maskedImage(Tensor features, int[] lengths, Tape tape) {
    Tensor x = Ops.reshape(features, features.dim(0), 1, features.dim(1), features.dim(2));
    tape.maskFrames(x, lengths);
    return x;
  }

  /**
   * Whether {@link #openStream} works: each output frame depends on a bounded number of future
   * input frames (no bidirectional layers), so a stream can be computed chunk by chunk.
   */
  public boolean supportsStreaming() {
    return false;
  }

  /** An incremental forward pass over one stream (inference mode); see {@link #supportsStreaming}. */
  public AcousticStream openStream() {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " (" + config.architecture()
        + (config.bidirectional() ? ", bidirectional" : "") + ") needs future context and cannot stream incrementally");
  }

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

  private void checkInput(Tensor features, int[] lengths) {
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
