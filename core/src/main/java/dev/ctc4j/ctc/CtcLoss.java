package dev.ctc4j.ctc;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.bridge.CtcNative;
import dev.ctc4j.bridge.NativeStatus;
import dev.ctc4j.tensor.DType;
import dev.ctc4j.tensor.Tensor;
import java.util.Arrays;
import org.bytedeco.javacpp.FloatPointer;

/**
 * Batched CTC loss and gradient on the CPU or a CUDA device, with torch.nn.functional.ctc_loss's
 * semantics (blank index, reduction, zero_infinity). Scores are a float32 tensor [T, N, C] or
 * [N, T, C] (see {@link CtcLayout}); utterance b uses its first inputLengths[b] frames.
 *
 * <p>{@link #lossAndGradient} takes log-probabilities and returns PyTorch's gradient for them;
 * {@link #lossAndGradientFromActivations} takes unnormalised scores, applies log-softmax itself and
 * returns the gradient with respect to the scores (softmax folded in, as warp-ctc does). Their
 * {@code Into} variants write the gradient into a tensor the caller keeps and reuses across calls,
 * which spares allocating (and the operating system zeroing) a fresh one each time: with a large
 * alphabet that costs more than the loss itself.
 *
 * <p>Immutable and thread-safe: share one instance. Native scratch memory is per calling thread.
 */
public final class CtcLoss {
  private final int blank;
  private final Reduction reduction;
  private final boolean zeroInfinity;
  private final CtcLayout layout;

  private CtcLoss(Builder b) {
    if (b.blank < 0) throw new InvalidInputException("negative blank index " + b.blank);
    if (b.reduction == null || b.layout == null) throw new InvalidInputException("reduction and layout must be set");
    this.blank = b.blank;
    this.reduction = b.reduction;
    this.zeroInfinity = b.zeroInfinity;
    this.layout = b.layout;
  }

  public static Builder builder() {
    return new Builder();
  }

  public int blank() {
    return blank;
  }

  public Reduction reduction() {
    return reduction;
  }

  public boolean zeroInfinity() {
    return zeroInfinity;
  }

  public CtcLayout layout() {
    return layout;
  }

  /** Per-utterance losses of log-probabilities, without the gradient. */
  public float[] losses(Tensor logProbs, long[] inputLengths, CtcTargets targets) {
    try (NativeBatch batch = new NativeBatch(logProbs, layout, inputLengths, targets, blank)) {
      return run(batch, CtcNative.LOG_PROBS, null, null);
    }
  }

  /** The reduced loss of per-utterance losses, as this loss's reduction defines it. */
  public double reduce(float[] losses, CtcTargets targets) {
    double total = 0;
    for (int b = 0; b < losses.length; b++) total += losses[b] * weight(targets, b, losses.length);
    return total;
  }

  /** Losses of log-probabilities and the gradient with respect to them. */
  public CtcResult lossAndGradient(Tensor logProbs, long[] inputLengths, CtcTargets targets) {
    return withGradient(logProbs, inputLengths, targets, CtcNative.LOG_PROBS);
  }

  /** Losses of log_softmax(activations) and the gradient with respect to the activations. */
  public CtcResult lossAndGradientFromActivations(Tensor activations, long[] inputLengths, CtcTargets targets) {
    return withGradient(activations, inputLengths, targets, CtcNative.ACTIVATIONS);
  }

  /**
   * Per-utterance losses of log-probabilities; writes the gradient with respect to them into
   * {@code gradient} (float32, the inputs' shape and device, not the inputs themselves). Its
   * content is unspecified after an exception. {@link #reduce} gives the reduced loss.
   */
  public float[] lossAndGradientInto(Tensor logProbs, long[] inputLengths, CtcTargets targets, Tensor gradient) {
    return withGradient(logProbs, inputLengths, targets, CtcNative.LOG_PROBS, gradient);
  }

  /** As {@link #lossAndGradientInto}, for activations: the gradient is with respect to them. */
  public float[] lossAndGradientFromActivationsInto(Tensor activations, long[] inputLengths, CtcTargets targets,
      Tensor gradient) {
    return withGradient(activations, inputLengths, targets, CtcNative.ACTIVATIONS, gradient);
  }

  private CtcResult withGradient(Tensor scores, long[] inputLengths, CtcTargets targets, int inputKind) {
    Tensor gradient = Tensor.empty(scores.device(), DType.F32, scores.shape());
    try {
      float[] losses = withGradient(scores, inputLengths, targets, inputKind, gradient);
      return new CtcResult(losses, reduce(losses, targets), gradient);
    } catch (RuntimeException e) {
      gradient.close();
      throw e;
    }
  }

  private float[] withGradient(Tensor scores, long[] inputLengths, CtcTargets targets, int inputKind, Tensor gradient) {
    requireGradientFor(scores, gradient);
    try (NativeBatch batch = new NativeBatch(scores, layout, inputLengths, targets, blank)) {
      float[] scales = new float[batch.batch];
      for (int b = 0; b < scales.length; b++) scales[b] = (float) weight(targets, b, scales.length);
      return run(batch, inputKind, scales, gradient);
    }
  }

  private static void requireGradientFor(Tensor scores, Tensor gradient) {
    if (gradient.dtype() != DType.F32 || !gradient.device().equals(scores.device())
        || !Arrays.equals(gradient.shape(), scores.shape())) {
      throw new InvalidInputException("the gradient of " + scores + " needs a float32 tensor of its shape on "
          + scores.device() + ", got " + gradient);
    }
    if (gradient.data().address() == scores.data().address()) {
      throw new InvalidInputException("the gradient cannot overwrite its own inputs " + scores);
    }
  }

  /** d reduced loss / d loss of utterance b. */
  private double weight(CtcTargets targets, int b, int batch) {
    return reduction == Reduction.MEAN ? 1.0 / (Math.max(1, targets.length(b)) * (double) batch) : 1.0;
  }

  private float[] run(NativeBatch batch, int inputKind, float[] gradScales, Tensor gradient) {
    try (FloatPointer losses = new FloatPointer(Math.max(1, batch.batch));
        FloatPointer scales = gradScales == null ? null : new FloatPointer(gradScales);
        CtcNative.CtcBatch described = batch.describe();
        CtcNative.CtcOptions options = CtcNative.ctc4j_ctc_default_options().input_kind(inputKind)
            .zero_infinity(zeroInfinity ? 1 : 0)) {
      NativeStatus.check(
          CtcNative.ctc4j_ctc_loss(batch.scores.device().nativeId(), described, options, losses, scales,
              gradient == null ? null : new FloatPointer(gradient.data())),
          "CTC loss");
      float[] out = new float[batch.batch];
      losses.get(out);
      return out;
    }
  }

  public static final class Builder {
    private int blank = 0;
    private Reduction reduction = Reduction.MEAN;
    private boolean zeroInfinity = false;
    private CtcLayout layout = CtcLayout.TIME_MAJOR;

    /** The blank's class index; 0 by default. */
    public Builder blank(int v) { blank = v; return this; }
    /** MEAN by default, as PyTorch. */
    public Builder reduction(Reduction v) { reduction = v; return this; }
    /** Infeasible utterances get loss 0 and gradient 0 instead of +inf and NaN. */
    public Builder zeroInfinity(boolean v) { zeroInfinity = v; return this; }
    /** TIME_MAJOR ([T, N, C]) by default. */
    public Builder layout(CtcLayout v) { layout = v; return this; }

    public CtcLoss build() {
      return new CtcLoss(this);
    }
  }
}
