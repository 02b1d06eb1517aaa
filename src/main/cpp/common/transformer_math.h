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
  const float r = x * p / q;
  return r < -1.0f ? -1.0f : (r > 1.0f ? 1.0f : r);  // near +-4 the rational overshoots +-1 by an ulp
}

// erfc(t) for t >= 1 by its continued fraction erfc(t) = e^(-t^2) / sqrt(pi) / (t + (1/2) / (t + 1 / (t +
// (3/2) / ...))), cut after 28 levels and evaluated by the convergents' recurrence (one division).
// Meaningless (possibly inf or NaN) for small t: callers select.
CTC4J_HD float erfc_tail(float t) {
  float a_prev = 1.0f, a = t, b_prev = 0.0f, b = 1.0f;  // the convergents a / b of the fraction
  for (int k = 1; k <= 28; ++k) {
    const float ak = 0.5f * static_cast<float>(k);
    const float a_next = t * a + ak * a_prev, b_next = t * b + ak * b_prev;
    a_prev = a, a = a_next, b_prev = b, b = b_next;
  }
  return fast_exp(-t * t) * 0.56418958354775628f * b / a;
}

// GELU in the exact form x * Phi(x) (torch.nn.functional.gelu's default). Below x = -1.5, 1 + erf(x / sqrt 2)
// cancels down to fast_erf's 4e-7 absolute error (1.1e-6 in GELU at x = -5.6, with the wrong sign where
// the rational overshot -1), so the tail comes from erfc instead: within 2e-7 there, 4e-7 above. Both
// are computed and one is selected, so loops over it still vectorise.
CTC4J_HD float gelu_erf(float x) {
  const float z = x * 0.70710678118654752f;
  const float body = 0.5f * x * (1.0f + fast_erf(z));
  const float tail = 0.5f * x * erfc_tail(-z);
  return x < -1.5f ? tail : body;
}

// One block of an online softmax row: with the running maximum `max` and the new block's maximum
// `block_max`, the factor that rescales what was accumulated so far (0 for the first block).
CTC4J_HD float online_softmax_rescale(float max, float block_max) {
  return max < block_max ? fast_exp(max - block_max) : 1.0f;
}

}  // namespace ctc4j
