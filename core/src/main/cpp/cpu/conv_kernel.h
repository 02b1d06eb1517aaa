// SIMD kernel of the convolutions' forward product: weights times a column matrix whose rows are
// read in place, so neither im2col's copy nor a BLAS's per-call packing of it is paid again.
#pragma once
#include <cstdint>

#include "cpu/simd.h"

// Column blocks of this width are computed whole; callers split [0, n) at its multiples.
constexpr int64_t kConvTile = 64;

// c[i, j] = sum_kk a[i, kk] * b[offsets[kk] + j] for i < m and j in [col_begin, col_end): a [m, k]
// row-major (stride lda), row kk of the column matrix the n floats from b + offsets[kk], c [m, n]
// with row stride ldc. Each c[i, j] sums over kk in order, whatever the split of the columns.
// pack_tiles (AVX-512): copy each tile's rows into an aligned buffer first, prefetching ahead, for a
// column matrix far out of cache; in place, loads split cache lines but nothing is copied.
CTC4J_SIMD_DECLARE(void gemm_row_offsets(int64_t m, int64_t k, const float* a, int64_t lda, const float* b,
                                         const int64_t* offsets, int64_t col_begin, int64_t col_end, float* c,
                                         int64_t ldc, bool pack_tiles))
