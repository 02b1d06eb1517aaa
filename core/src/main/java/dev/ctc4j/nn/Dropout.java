package dev.ctc4j.nn;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.bridge.NnNative;
import dev.ctc4j.tensor.Tensor;

/**
 * Inverted dropout: in training each value is zeroed with probability p and the rest scaled by
 * 1 / (1 - p); identity in inference. A mask is a function of (the layer's seed, the training step
 * set by {@link #setStep}, the call number within that step) through a counter-based generator, so
 * a resumed run draws exactly the masks of an uninterrupted one.
 */
public final class Dropout extends Layer {
  private final float p;
  private final long seed;
  private long step, callsThisStep; // written by training passes only, which run one at a time

  public Dropout(float p, long seed) {
    if (!(p >= 0 && p < 1)) throw new InvalidInputException("dropout probability must be in [0, 1), got " + p);
    this.p = p;
    this.seed = seed;
  }

  @Override
  public Tensor forward(Tensor x, Tape tape) {
    Ops.requireFloat(x, "Dropout");
    if (isIdentity()) return Ops.reshape(x, x.shape()); // a copy: x stays the caller's; nothing to record
    Tensor mask = Ops.empty(x, x.shape());
    Tensor y = Ops.empty(x, x.shape());
    long callSeed = mix(seed + mix(step * 0x632BE59BD9B4E019L + callsThisStep++));
    Ops.check(NnNative.ctc4j_nn_dropout_forward(Ops.dev(x), p, callSeed, Ops.ptr(x), Ops.ptr(y), Ops.ptr(mask),
        x.numel()), "dropout forward");
    tape.record(dy -> Ops.multiply(dy, mask), mask);
    return y;
  }

  @Override
  public boolean isIdentity() {
    return !isTraining() || p == 0;
  }

  @Override
  public void setStep(long step) {
    this.step = step;
    callsThisStep = 0;
  }

  /** SplitMix64's finaliser: nearby (seed, step, call) triples get unrelated mask streams. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
