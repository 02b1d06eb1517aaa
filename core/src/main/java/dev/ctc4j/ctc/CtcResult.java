package dev.ctc4j.ctc;

import dev.ctc4j.tensor.Tensor;

/**
 * CTC losses of a batch and their gradient. {@code losses} holds each utterance's negative
 * log-likelihood (+inf when no alignment exists, 0 then under zero_infinity); {@code loss} is the
 * reduced value (the sum for {@link Reduction#NONE}); {@code gradient} is d loss / d input in the
 * inputs' shape, layout and device. Owns the gradient tensor: close it.
 */
public record CtcResult(float[] losses, double loss, Tensor gradient) implements AutoCloseable {
  @Override
  public void close() {
    gradient.close();
  }
}
