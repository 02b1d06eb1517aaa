package dev.ctc4j.nn;

import dev.ctc4j.quant.Int8Weights;

/**
 * A module whose weight products can run on int8 weights in inference ({@link dev.ctc4j.quant}):
 * each weight it names is a float parameter [out, ...] read as a matrix with one row per output
 * channel. The float parameters stay as they are; {@code dev.ctc4j.quant.Int8Quantizer} sets them to
 * the dequantized weights, so the state dict describes the function the int8 model computes.
 */
public interface Quantizable {
  /** The int8 matrices this module's weights run on (empty until quantized). */
  Int8Weights int8Weights();
}
