// SIMD kernel of the convolutions' forward product: weights times a column matrix whose rows are
// read in place, so neither im2col's copy nor a BLAS's per-call packing of it is paid again.
#pragma once
#include <cstdint>

#include "cpu/simd.h"

namespace ctc4j {
// Columns per segment: without AVX-512, 6 rows x two 8-lane vectors fit 16 ymm.
constexpr int64_t kConvSegmentWidth = 16;

// The product's columns: `runs` runs of `width` columns, `stride` apart, in segments of kConvSegmentWidth
// (a run's last may be narrower), computed four at a time. One run of n columns is all of [0, n); runs
// of one output row each skip the positions a shifted-column convolution computes past its rows' ends.
struct ConvColumns {
  int64_t runs, stride, width;

  int64_t per_run() const { return (width + kConvSegmentWidth - 1) / kConvSegmentWidth; }
  int64_t segments() const { return runs * per_run(); }
  int64_t start(int64_t segment) const {
    return segment / per_run() * stride + segment % per_run() * kConvSegmentWidth;
  }
  int64_t count(int64_t segment) const {
    const int64_t left = width - segment % per_run() * kConvSegmentWidth;
    return left < kConvSegmentWidth ? left : kConvSegmentWidth;
  }
};
}  // namespace ctc4j

// Segments per tile; callers split [0, segments) at its multiples.
constexpr int64_t kConvTileSegments = 4;

// c[i, j] = sum_kk a[i, kk] * b[offsets[kk] + j] for i < m and the columns j of segments [begin, end)
// of `columns`: a [m, k] row-major (stride lda), row kk of the column matrix read from b + offsets[kk],
// c with row stride ldc (columns indexed as in b's rows). Each c[i, j] sums over kk in order, whatever
// the split. pack_tiles (AVX-512): copy each tile's rows into an aligned buffer first, prefetching
// ahead, for a column matrix far out of cache; in place, loads split cache lines but nothing is copied.
CTC4J_SIMD_DECLARE(void gemm_row_offsets(int64_t m, int64_t k, const float* a, int64_t lda, const float* b,
                                         const int64_t* offsets, const ctc4j::ConvColumns& columns, int64_t begin,
                                         int64_t end, float* c, int64_t ldc, bool pack_tiles))
