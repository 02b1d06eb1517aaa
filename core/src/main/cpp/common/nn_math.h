// Per-element math of the neural layers, shared by the CPU and CUDA backends.
#pragma once
#include <cmath>

#include "common/hd.h"

namespace ctc4j {

CTC4J_HD float sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

// GELU, exact form: x * Phi(x) with the normal CDF through erf.
CTC4J_HD float gelu(float x) { return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f)); }
CTC4J_HD float gelu_derivative(float x) {
  const float cdf = 0.5f * (1.0f + erff(x * 0.70710678118654752f));
  const float pdf = 0.39894228040143268f * expf(-0.5f * x * x);
  return cdf + x * pdf;
}

// Hardtanh's gradient is zero at and beyond the bounds, as in PyTorch.
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
