// Per-element math of the neural layers, shared by the CPU and CUDA backends.
#pragma once
#include <cmath>

#include "common/fast_math.h"
#include "common/hd.h"

namespace ctc4j {

// Mean and (biased) variance of count values from their sum and sum of squares, in double.
CTC4J_HD void moments_of_sums(double sum, double sum_sq, double count, double* mean, double* var) {
  *mean = count > 0 ? sum / count : 0.0;
  *var = count > 0 ? fmax(0.0, sum_sq / count - *mean * *mean) : 0.0;
}

// A normalisation's output y = x_hat * gamma + beta, x_hat = (x - mean) * invstd.
CTC4J_HD float normalized(float x, float mean, float invstd, float gamma, float beta) {
  return (x - mean) * invstd * gamma + beta;
}

// A normalisation's input gradient: scale * (g - mean_g - x_hat * mean_g_xhat), where g is the output
// gradient (times gamma for a layer norm) and the means run over the normalised group (zero where
// the statistics are constants: a batch norm in inference).
CTC4J_HD float norm_input_gradient(float scale, float g, float mean_g, float x_hat, float mean_g_xhat) {
  return scale * (g - mean_g - x_hat * mean_g_xhat);
}

CTC4J_HD float sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

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

// erfc(t) for t >= 1.06 as e^(-t^2) / (t sqrt(pi)) f(1 / t^2), with f a degree-10 polynomial fitted for
// ctc4j (least squares on Chebyshev nodes, float64) to erfc(t) t sqrt(pi) e^(t^2) over t in [1.06, 9.5]:
// GELU below x = -1.5 through it is within 2e-7 of float64. Meaningless for small t: callers select.
CTC4J_HD float erfc_tail(float t) {
  const float r = 1.0f / t, u = r * r;
  float f = 1.7140311f;
  f = f * u - 8.33607292f;
  f = f * u + 17.7806530f;
  f = f * u - 22.0204792f;
  f = f * u + 17.7802334f;
  f = f * u - 10.1064835f;
  f = f * u + 4.41105318f;
  f = f * u - 1.70700574f;
  f = f * u + 0.742131054f;
  f = f * u - 0.499819756f;
  f = f * u + 0.999998569f;
  return fast_exp(-t * t) * 0.56418958354775628f * r * f;
}

// GELU in the exact form x * Phi(x) (torch.nn.functional.gelu's default). Below x = -1.5, 1 + erf(x / sqrt 2)
// cancels down to fast_erf's 4e-7 absolute error (1.1e-6 in GELU at x = -5.6, with the wrong sign where
// the rational overshot -1), so the tail comes from erfc instead: within 2e-7 there, 4e-7 above. Both
// are computed and one is selected, so loops over it still vectorise.
CTC4J_HD float gelu(float x) {
  const float z = x * 0.70710678118654752f;
  const float body = 0.5f * x * (1.0f + fast_erf(z));
  const float tail = 0.5f * x * erfc_tail(-z);
  return x < -1.5f ? tail : body;
}

// d/dx x Phi(x) = Phi(x) + x phi(x), Phi split at -1.5 as in gelu.
CTC4J_HD float gelu_derivative(float x) {
  const float z = x * 0.70710678118654752f;
  const float cdf = x < -1.5f ? 0.5f * erfc_tail(-z) : 0.5f * (1.0f + fast_erf(z));
  const float pdf = 0.39894228040143268f * fast_exp(-0.5f * x * x);
  return cdf + x * pdf;
}

// ReLU's gradient is zero at 0, as in PyTorch; so is Hardtanh's at and beyond its bounds.
CTC4J_HD float relu(float x) { return x > 0.0f ? x : 0.0f; }
CTC4J_HD float relu_gradient(float x, float dy) { return x > 0.0f ? dy : 0.0f; }
CTC4J_HD float hardtanh(float x, float lo, float hi) { return x < lo ? lo : (x > hi ? hi : x); }
CTC4J_HD float hardtanh_derivative(float x, float lo, float hi) { return x > lo && x < hi ? 1.0f : 0.0f; }

// A counter-based uniform in [0, 1) (splitmix64 finaliser): element i's draw never depends on
// how the work is split across threads.
CTC4J_HD float uniform_at(unsigned long long seed, unsigned long long i) {
  unsigned long long z = seed + (i + 1) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return static_cast<float>(z >> 40) * (1.0f / 16777216.0f);
}

}  // namespace ctc4j
