package dev.ctc4j.nn;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.tensor.Tensor;
import java.util.Arrays;

/**
 * A learnable tensor and its gradient. Layers add into the gradient (allocated on first use) in
 * backward, as PyTorch does; {@link #zeroGrad()} clears it.
 */
public final class Parameter implements Trainable, AutoCloseable {
  private final Tensor value;
  private Tensor grad;

  Parameter(Tensor value) {
    this.value = value;
  }

  @Override
  public Tensor value() {
    return value;
  }

  /** The accumulated gradient, zeros until a backward pass adds to it. */
  @Override
  public Tensor grad() {
    if (grad == null) grad = Ops.zeros(value.device(), value.shape());
    return grad;
  }

  public void zeroGrad() {
    if (grad != null) {
      grad.close();
      grad = null;
    }
  }

  public long[] shape() {
    return value.shape();
  }

  public long numel() {
    return value.numel();
  }

  /** Overwrites the value with {@code values} (row-major, same number of elements). */
  public void set(float[] values) {
    if (values.length != value.numel()) {
      throw new InvalidInputException(values.length + " values for a parameter of shape " + Arrays.toString(shape()));
    }
    try (Tensor t = Tensor.of(value.device(), values, value.shape())) {
      copyFrom(t);
    }
  }

  void copyFrom(Tensor source) {
    Ops.requireSameShape(value, source, "parameter copy");
    Ops.check(
        dev.ctc4j.bridge.CoreNative.ctc4j_copy(
            value.data(), Ops.dev(value), source.data(), Ops.dev(source), value.byteSize()),
        "copy parameter");
    value.markWritten();
  }

  @Override
  public void close() {
    zeroGrad();
    value.close();
  }
}
