// Symmetric int8 quantization, the same for weights (per output channel) and activations (per row).
#pragma once
#include <cmath>
#include <cstdint>

#include "common/hd.h"

namespace ctc4j::quant {

// Levels on each side of zero: [-127, 127], never -128, so |a| fits a u8 and sign(w, a) an s8, and
// a pair of products stays within vpmaddubsw's s16 (2 * 127 * 127 = 32258 < 32767).
constexpr float kLevels = 127.0f;

// The scale of values whose largest magnitude is max_abs (q * scale reproduces them); 0 for zeros.
CTC4J_HD float scale_for(float max_abs) { return max_abs / kLevels; }

// The factor values are multiplied by before rounding; 0 for an all-zero row (every q is then 0).
CTC4J_HD float inverse_scale_for(float max_abs) { return max_abs > 0.0f ? kLevels / max_abs : 0.0f; }

// Round to nearest, ties to even (as cvtps2dq and PyTorch's quantize), clamped to [-127, 127]; NaN
// maps to -127 as the vector kernels' saturating packs then clamp do.
CTC4J_HD int8_t quantize(float x, float inverse_scale) {
  const float r = nearbyintf(x * inverse_scale);
  return static_cast<int8_t>(r >= kLevels ? kLevels : (r > -kLevels ? r : -kLevels));
}

}  // namespace ctc4j::quant
