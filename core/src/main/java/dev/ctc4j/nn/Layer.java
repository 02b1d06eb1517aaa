package dev.ctc4j.nn;

import dev.ctc4j.tensor.Tensor;

/**
 * A module with one input and one output. Returned tensors belong to the caller, and so does x.
 * What backward needs goes on the caller's tape, never into a field; in inference mode a forward pass
 * writes nothing at all (in training mode, BatchNorm's running statistics and Dropout's call count).
 */
public abstract class Layer extends Module {
  /** Inference: records nothing, so one layer serves many threads. */
  public final Tensor forward(Tensor x) {
    return forward(x, Tape.NONE);
  }

  /**
   * The forward pass; while {@code tape} records, it takes this layer's adjoint (which adds the
   * parameter gradients), and x must stay open until the tape's backward has gone back past it.
   */
  public abstract Tensor forward(Tensor x, Tape tape);

  /**
   * Whether this layer is the identity in its current mode (Dropout outside training), so that
   * {@link Tape#apply}, which takes its input, can pass it on uncopied where nothing records.
   */
  public boolean isIdentity() {
    return false;
  }
}
