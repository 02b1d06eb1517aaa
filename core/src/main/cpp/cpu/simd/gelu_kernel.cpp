// Elementwise GELU passes (cpu/transformer_kernel.h), vectorised through the branch-free erf.
#include "common/nn_math.h"
#include "common/transformer_math.h"
#include "cpu/transformer_kernel.h"

namespace ctc4j::simd::CTC4J_SIMD_NAMESPACE {
namespace {

// The passes' loops, one definition for each width they compile at.
#define CTC4J_ELEMENTWISE_PASSES(attributes, suffix)                                                            \
  attributes void gelu_add##suffix(const float* x, const float* residual, float* y, int64_t n) {               \
    if (residual == nullptr) {                                                                                  \
      for (int64_t i = 0; i < n; ++i) y[i] = gelu(x[i]);                                                        \
    } else {                                                                                                    \
      for (int64_t i = 0; i < n; ++i) y[i] = residual[i] + gelu(x[i]);                                          \
    }                                                                                                           \
  }                                                                                                             \
  attributes void group_norm_row##suffix(const float* x, const float* centre, const float* scale,               \
                                         const float* shift, int64_t n, bool apply_gelu, float* y) {            \
    if (apply_gelu) {                                                                                           \
      for (int64_t i = 0; i < n; ++i) y[i] = gelu(group_norm_value(x[i], {centre[i], scale[i], shift[i]}));     \
    } else {                                                                                                    \
      for (int64_t i = 0; i < n; ++i) y[i] = group_norm_value(x[i], {centre[i], scale[i], shift[i]});           \
    }                                                                                                           \
  }

CTC4J_ELEMENTWISE_PASSES(inline, _plain)
#if defined(__AVX2__)
// GELU at 16 lanes where the CPU has AVX-512F (GCC's default width is 256 bits even then): it is both
// erf branches per element, 4-6 % of wav2vec2's time at 8 lanes.
CTC4J_ELEMENTWISE_PASSES(__attribute__((target("avx2,fma,avx512f,prefer-vector-width=512"))), _avx512)
#endif

}  // namespace

void gelu_add(const float* x, const float* residual, float* y, int64_t n) {
#if defined(__AVX2__)
  if (has_avx512f()) return gelu_add_avx512(x, residual, y, n);
#endif
  gelu_add_plain(x, residual, y, n);
}

void group_norm_row(const float* x, const float* centre, const float* scale, const float* shift, int64_t n,
                    bool apply_gelu, float* y) {
#if defined(__AVX2__)
  if (has_avx512f()) return group_norm_row_avx512(x, centre, scale, shift, n, apply_gelu, y);
#endif
  group_norm_row_plain(x, centre, scale, shift, n, apply_gelu, y);
}

}  // namespace ctc4j::simd::CTC4J_SIMD_NAMESPACE
