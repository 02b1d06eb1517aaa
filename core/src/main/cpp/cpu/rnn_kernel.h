// SIMD kernels of the recurrent layers: the per-step matrix-vector products of small batches (a BLAS
// sgemm call with M = 1 packs the whole weight matrix every step) and the fused gate passes.
#pragma once
#include <cstdint>

#include "cpu/simd.h"

// y[b, r] += sum_k w[r, k] x[b, k]: w [rows, cols] dense, x [batch, cols] and y [batch, rows] with row
// strides ldx and ldy. A product of few rows against weights in PyTorch's [out, in] layout, used as
// they are (a BLAS sgemm packs them on every call: at 16 rows that took 3x its arithmetic). Each
// y[b, r] sums the same way whatever the batch.
CTC4J_SIMD_DECLARE(void gemm_nt_add(int64_t batch, int64_t rows, int64_t cols, const float* x, int64_t ldx,
                                    const float* w, float* y, int64_t ldy))
// y[b, k] += sum_r x[b, r] w[r, k]: x [batch, rows], y [batch, cols].
CTC4J_SIMD_DECLARE(void matvec_transposed_add(const float* w, int64_t rows, int64_t cols, const float* x,
                                              int64_t batch, float* y))

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

// One row of an LSTM step: pre [4H] holds x w_ih^T + b_ih (overwritten by i, f, g, o after activation),
// rec [4H] holds h w_hh^T + b_hh; c_prev -> c, and h = y = o tanh(c).
CTC4J_SIMD_DECLARE(void lstm_cell(int64_t hidden, float* pre, const float* rec, const float* c_prev, float* c, float* h,
                                  float* y))
// One row of a GRU step: pre [4H] gets r, z, n and W_hn h + b_hn; h = y = (1 - z) n + z h_prev.
CTC4J_SIMD_DECLARE(void gru_cell(int64_t hidden, float* pre, const float* rec, const float* h_prev, float* h, float* y))

// One row of an LSTM step backward: gates [4H] as lstm_cell left them, c_prev and c the cell state
// before and after, dy the output gradient. dh (in: from the next step) becomes 0 (the recurrent
// product adds into it), dc (in: from the next step) becomes dc_prev; d_gates [4H] gets the
// pre-activation gradients.
CTC4J_SIMD_DECLARE(void lstm_cell_backward(int64_t hidden, const float* gates, const float* c_prev, const float* c,
                                           const float* dy, float* dh, float* dc, float* d_gates))
// One row of a GRU step backward: gates [4H] as gru_cell left them, h_prev the state before. dh (in:
// from the next step) becomes its direct part z dh_total; dx_gates [3H] gets the input-projection
// gradients, dh_gates [3H] the recurrent ones (the candidate's scaled by r).
CTC4J_SIMD_DECLARE(void gru_cell_backward(int64_t hidden, const float* gates, const float* h_prev, const float* dy,
                                          float* dh, float* dx_gates, float* dh_gates))
