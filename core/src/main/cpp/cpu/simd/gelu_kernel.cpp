// Elementwise GELU passes (cpu/transformer_kernel.h), vectorised through the branch-free erf.
#include "common/nn_math.h"
#include "common/transformer_math.h"
#include "cpu/transformer_kernel.h"

namespace ctc4j::simd::CTC4J_SIMD_NAMESPACE {

void gelu_add(const float* x, const float* residual, float* y, int64_t n) {
  if (residual == nullptr) {
    for (int64_t i = 0; i < n; ++i) y[i] = gelu(x[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = residual[i] + gelu(x[i]);
  }
}

void group_norm_row(const float* x, const float* centre, const float* scale, const float* shift, int64_t n,
                    bool apply_gelu, float* y) {
  if (apply_gelu) {
    for (int64_t i = 0; i < n; ++i) y[i] = gelu(group_norm_value(x[i], {centre[i], scale[i], shift[i]}));
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = group_norm_value(x[i], {centre[i], scale[i], shift[i]});
  }
}

}  // namespace ctc4j::simd::CTC4J_SIMD_NAMESPACE
