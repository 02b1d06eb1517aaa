package dev.ctc4j.nn;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.bridge.NnNative;
import dev.ctc4j.tensor.Tensor;

/**
 * Inverted dropout: in training each value is zeroed with probability p and the rest scaled by
 * 1 / (1 - p); identity in inference. The masks come from a counter-based generator keyed by the
 * seed and the call number, so a run replays exactly from its seed.
 */
public final class Dropout extends Layer {
  private final float p;
  private final long seed;
  private long calls;
  private Tensor mask;

  public Dropout(float p, long seed) {
    if (!(p >= 0 && p < 1)) throw new InvalidInputException("dropout probability must be in [0, 1), got " + p);
    this.p = p;
    this.seed = seed;
  }

  @Override
  public Tensor forward(Tensor x) {
    Ops.requireFloat(x, "Dropout");
    clearCache();
    if (!isTraining() || p == 0) return Ops.reshape(x, x.shape());
    mask = Ops.empty(x, x.shape());
    Tensor y = Ops.empty(x, x.shape());
    long callSeed = seed + 0x632BE59BD9B4E019L * ++calls;
    Ops.check(NnNative.ctc4j_nn_dropout_forward(Ops.dev(x), p, callSeed, Ops.ptr(x), Ops.ptr(y), Ops.ptr(mask),
        x.numel()), "dropout forward");
    return y;
  }

  @Override
  public Tensor backward(Tensor dy) {
    return mask == null ? Ops.reshape(dy, dy.shape()) : Ops.multiply(dy, mask);
  }

  @Override
  protected void clearCache() {
    super.clearCache();
    if (mask != null) mask.close();
    mask = null;
  }
}
