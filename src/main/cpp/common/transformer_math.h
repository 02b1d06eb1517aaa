// Per-element math of the transformer blocks, shared by the CPU and CUDA kernels.
#pragma once

#include "common/fast_math.h"
#include "common/hd.h"

namespace ctc4j {

// erf(x) as a rational function on [-4, 4] (outside, erf is +-1 in float): within 4.3e-7 of the
// true value, branch-free, so loops over it vectorise (libm's erff does not).
CTC4J_HD float fast_erf(float a) {
  const float x = a < -4.0f ? -4.0f : (a > 4.0f ? 4.0f : a);
  const float x2 = x * x;
  float p = -2.72614225801306e-10f;
  p = p * x2 + 2.77068142495902e-08f;
  p = p * x2 - 2.10102402082508e-06f;
  p = p * x2 - 5.69250639462346e-05f;
  p = p * x2 - 7.34990630326855e-04f;
  p = p * x2 - 2.95459980854025e-03f;
  p = p * x2 - 1.60960333262415e-02f;
  float q = -1.45660718464996e-05f;
  q = q * x2 - 2.13374055278905e-04f;
  q = q * x2 - 1.68282697438203e-03f;
  q = q * x2 - 7.37332916720468e-03f;
  q = q * x2 - 1.42647390514189e-02f;
  return x * p / q;
}

// GELU in the exact form x * Phi(x) (torch.nn.functional.gelu's default), through fast_erf.
CTC4J_HD float gelu_erf(float x) { return 0.5f * x * (1.0f + fast_erf(x * 0.70710678118654752f)); }

// One block of an online softmax row: with the running maximum `max` and the new block's maximum
// `block_max`, the factor that rescales what was accumulated so far (0 for the first block).
CTC4J_HD float online_softmax_rescale(float max, float block_max) {
  return max < block_max ? fast_exp(max - block_max) : 1.0f;
}

}  // namespace ctc4j
