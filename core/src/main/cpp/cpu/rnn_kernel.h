// SIMD kernels of the recurrent layers: the backward step's transposed matrix-vector pass of small
// batches and the fused gate passes. The forward products are gemm_kernel.h's.
#pragma once
#include <cstdint>

#include "cpu/simd.h"

// y[b, k] += sum_r x[b, r] w[r, k]: x [batch, rows], y [batch, cols].
CTC4J_SIMD_DECLARE(void matvec_transposed_add(const float* w, int64_t rows, int64_t cols, const float* x,
                                              int64_t batch, float* y))

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
