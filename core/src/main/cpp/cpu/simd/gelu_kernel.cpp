// Elementwise GELU passes (cpu/transformer_kernel.h), vectorised through the branch-free erf.
#include "common/transformer_math.h"
#include "cpu/transformer_kernel.h"

namespace ctc4j::simd::CTC4J_SIMD_NAMESPACE {

void gelu_add(const float* x, const float* residual, float* y, int64_t n) {
  if (residual == nullptr) {
    for (int64_t i = 0; i < n; ++i) y[i] = gelu_erf(x[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = residual[i] + gelu_erf(x[i]);
  }
}

void scale_shift(const float* x, const float* scale, const float* shift, int64_t n, bool gelu, float* y) {
  if (gelu) {
    for (int64_t i = 0; i < n; ++i) y[i] = gelu_erf(x[i] * scale[i] + shift[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale[i] + shift[i];
  }
}

}  // namespace ctc4j::simd::CTC4J_SIMD_NAMESPACE
