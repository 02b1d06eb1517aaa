package dev.ctc4j.nn;

import dev.ctc4j.tensor.Tensor;

/** What an optimiser updates: a float32 value and its gradient, of one shape on one device. */
public interface Trainable {
  Tensor value();

  Tensor grad();
}
