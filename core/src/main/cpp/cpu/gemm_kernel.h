// SIMD float32 products of few rows, for the recurrent steps and for nn::gemm's x w^T of small batches:
// against weights as they lie in PyTorch's [out, in] layout, or packed once per call.
#pragma once
#include <cstdint>

#include "cpu/simd.h"

// y[b, r] += sum_k w[r, k] x[b, k]: w [rows, cols] dense, x [batch, cols] and y [batch, rows] with row
// strides ldx and ldy. A product of few rows against weights in PyTorch's [out, in] layout, used as
// they are (a BLAS sgemm packs them on every call: at 16 rows that took 3x its arithmetic). Each
// y[b, r] sums the same way whatever the batch.
CTC4J_SIMD_DECLARE(void gemm_nt_add(int64_t batch, int64_t rows, int64_t cols, const float* x, int64_t ldx,
                                    const float* w, float* y, int64_t ldy))

// How gemm_packed_add's B is laid out and from which batch it beats gemm_nt_add: 24 columns per panel
// (three 8-lane vectors, a block of 4 rows x 24 columns being 12 accumulators) from batch 5; with
// AVX-512, 64 columns (four 16-lane vectors) from batch 1, since its broadcast-and-FMA pass streams
// the panel once where gemm_nt_add reads 12 rows side by side (768 x 256 at batch 1: 4.0 vs 7.6 us).
namespace ctc4j {
struct PackedLayout {
  int64_t panel, min_batch;
};
}
CTC4J_SIMD_DECLARE(ctc4j::PackedLayout packed_layout())
// c[i, j] += sum_k a[i, k] B[k, j] for rows i < m and the columns of panels [panel_begin, panel_end):
// B [k, n] packed as panels [k, packed_layout().panel] (zero past n), a [m, k] and c [m, n] row-major
// with strides lda and ldc. For the per-step recurrent products, with the weights packed once per
// call (a BLAS sgemm packs them again on every call). Each c[i, j] sums over k in order, whatever m.
CTC4J_SIMD_DECLARE(void gemm_packed_add(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                                        const float* packed, int64_t panel_begin, int64_t panel_end, float* c,
                                        int64_t ldc))
