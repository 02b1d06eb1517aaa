// Per-element math of the transformer blocks, shared by the CPU and CUDA kernels.
#pragma once

#include "common/fast_math.h"
#include "common/hd.h"
#include "common/nn_math.h"

namespace ctc4j {

// One block of an online softmax row: with the running maximum `max` and the new block's maximum
// `block_max`, the factor that rescales what was accumulated so far (0 for the first block).
CTC4J_HD float online_softmax_rescale(float max, float block_max) {
  return max < block_max ? fast_exp(max - block_max) : 1.0f;
}

// Group norm of one channel as an affine map about a float centre: y = (x - centre) scale + shift.
// Centring first keeps float32 precision when a group's spread is tiny beside its mean (scale large):
// x scale and the shift would then be large numbers that cancel. The shift absorbs the centre's
// rounding, mean - centre, in double.
struct GroupNormAffine {
  float centre, scale, shift;
};

// From a group's sum and sum of squares over `count` values (double) and the channel's gamma, beta.
CTC4J_HD GroupNormAffine group_norm_affine(double sum, double sum_sq, double count, double eps, float gamma,
                                           float beta) {
  double mean, var;
  moments_of_sums(sum, sum_sq, count, &mean, &var);
  const double scale = gamma / sqrt(var + eps);
  const float centre = static_cast<float>(mean);
  return {centre, static_cast<float>(scale), static_cast<float>(beta - (mean - centre) * scale)};
}

CTC4J_HD float group_norm_value(float x, const GroupNormAffine& a) { return (x - a.centre) * a.scale + a.shift; }

}  // namespace ctc4j
