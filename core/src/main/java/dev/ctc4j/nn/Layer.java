package dev.ctc4j.nn;

import dev.ctc4j.tensor.Tensor;

/**
 * A module with one input and one output. In training mode forward caches what backward needs,
 * including a reference to its input, which the caller keeps open until backward has run.
 * Returned tensors belong to the caller.
 */
public abstract class Layer extends Module {
  public abstract Tensor forward(Tensor x);

  /** The input gradient for the output gradient dy; adds parameter gradients. Needs training mode. */
  public abstract Tensor backward(Tensor dy);

  protected final <T> T cached(T value, String what) {
    if (value == null) {
      throw new IllegalStateException(
          getClass().getSimpleName() + ".backward needs a forward pass in training mode first (" + what + ")");
    }
    return value;
  }
}
