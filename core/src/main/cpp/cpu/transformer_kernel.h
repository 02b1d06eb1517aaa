// SIMD kernels of the transformer blocks (cpu/transformer.cpp): the three steps of one block of
// fused attention, and the elementwise GELU passes. Compiled once per instruction set (cpu/simd.h).
#pragma once
#include <cstdint>

#include "cpu/simd.h"

namespace ctc4j {
// Score columns are computed in groups of this many; pad key blocks to a multiple of it.
constexpr int64_t kAttentionColumnGroup = 16;
// n key columns padded to whole groups.
constexpr int64_t attention_padded_columns(int64_t n) {
  return (n + kAttentionColumnGroup - 1) / kAttentionColumnGroup * kAttentionColumnGroup;
}
}  // namespace ctc4j

// s[i, j] = sum_d q[i, d] kt[d, j] for i < rows, j < cols: q [rows, dim] and s [rows, cols] dense,
// kt [dim, >= cols] with row stride ld_kt; cols is a multiple of kAttentionColumnGroup.
CTC4J_SIMD_DECLARE(void attention_scores(const float* q, int64_t rows, int64_t dim, const float* kt, int64_t ld_kt,
                                         int64_t cols, float* s))
// One key block of an online softmax: row i of s (stride `stride`) holds `cols` scores and becomes
// exp(score - the running maximum); max and sum [rows] are the running maximum and sum of
// exponentials, o [rows, dim] the running output, rescaled when the maximum grows.
CTC4J_SIMD_DECLARE(void attention_softmax_block(float* s, int64_t rows, int64_t cols, int64_t stride, float* max,
                                                float* sum, float* o, int64_t dim))
// o[i, :] += sum_{j < cols} p[i, j] v[j, :]: p [rows, stride], v rows of dim values ld_v apart.
CTC4J_SIMD_DECLARE(void attention_accumulate(const float* p, int64_t rows, int64_t cols, int64_t stride,
                                             const float* v, int64_t ld_v, int64_t dim, float* o))

// y = residual + GELU(x) (residual may be null); y may alias either input.
CTC4J_SIMD_DECLARE(void gelu_add(const float* x, const float* residual, float* y, int64_t n))
// One row of channels through their group-norm maps (common/transformer_math.h), then GELU when
// `apply_gelu`; y may alias x.
CTC4J_SIMD_DECLARE(void group_norm_row(const float* x, const float* centre, const float* scale, const float* shift,
                                       int64_t n, bool apply_gelu, float* y))
