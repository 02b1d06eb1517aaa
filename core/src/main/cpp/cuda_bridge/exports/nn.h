// libctc4j_cuda's neural-network layers (see include/ctc4j/nn.h for the semantics). All pointers are
// device memory on `device` unless said otherwise; the sizes were validated by the CPU library's C API.
#pragma once
#include <stdint.h>

#include "common/conv_geometry.h"
#include "common/permute.h"
#include "ctc4j/core.h"
#include "ctc4j/nn.h"

extern "C" {
CTC4J_API int ctc4jcu_add(int device, const float* a, const float* b, float* out, int64_t n);
CTC4J_API int ctc4jcu_multiply(int device, const float* a, const float* b, float* out, int64_t n);
CTC4J_API int ctc4jcu_sum_halves(int device, const float* x, int64_t rows, int64_t half, float* out);
CTC4J_API int ctc4jcu_repeat_halves(int device, const float* x, int64_t rows, int64_t half, float* out);
/* lengths: a host array of batch entries. */
CTC4J_API int ctc4jcu_mask_frames(int device, float* x, int64_t batch, int64_t rows, int64_t steps,
                                  const int32_t* lengths);
CTC4J_API int ctc4jcu_permute(int device, const ctc4j::PermuteGeometry* geometry, const float* x, float* y);
/* y[rows, out] = x[rows, in] w[out, in]^T + bias[out] (bias may be NULL). */
CTC4J_API int ctc4jcu_linear_forward(int device, int64_t rows, int64_t in, int64_t out, const float* w,
                                     const float* bias, const float* x, float* y);
/* dx = dy w (overwritten; may be NULL); dw += dy^T x and dbias += column sums of dy, where not NULL. */
CTC4J_API int ctc4jcu_linear_backward(int device, int64_t rows, int64_t in, int64_t out, const float* w,
                                      const float* x, const float* dy, float* dx, float* dw, float* dbias);
/* The geometry validated, out_h/out_w worked out; dx overwritten, dw/dbias accumulated (each may be NULL). */
CTC4J_API int ctc4jcu_conv2d_forward(int device, const ctc4j::ConvGeometry* geometry, const float* x, const float* w,
                                     const float* bias, float* y);
CTC4J_API int ctc4jcu_conv2d_backward(int device, const ctc4j::ConvGeometry* geometry, const float* x, const float* w,
                                      const float* dy, float* dx, float* dw, float* dbias);
/* The norms' structs as ctc4j/nn.h describes them, validated (device arrays; save_* set for backward). */
CTC4J_API int ctc4jcu_batch_norm_forward(int device, const ctc4j_nn_batch_norm* norm, const float* x, float* y);
CTC4J_API int ctc4jcu_batch_norm_backward(int device, const ctc4j_nn_batch_norm* norm, const float* x, const float* dy,
                                          float* dx);
CTC4J_API int ctc4jcu_layer_norm_forward(int device, const ctc4j_nn_layer_norm* norm, const float* x, float* y);
CTC4J_API int ctc4jcu_layer_norm_backward(int device, const ctc4j_nn_layer_norm* norm, const float* x, const float* dy,
                                          float* dx);
CTC4J_API int ctc4jcu_activation_forward(int device, int kind, float lo, float hi, const float* x, float* y,
                                         int64_t n);
CTC4J_API int ctc4jcu_activation_backward(int device, int kind, float lo, float hi, const float* x, const float* dy,
                                          float* dx, int64_t n);
CTC4J_API int ctc4jcu_dropout_forward(int device, float p, uint64_t seed, const float* x, float* y, float* mask,
                                      int64_t n);
CTC4J_API int ctc4jcu_log_softmax_forward(int device, const float* x, int64_t rows, int64_t cols, float* y);
CTC4J_API int ctc4jcu_log_softmax_backward(int device, const float* y, const float* dy, int64_t rows, int64_t cols,
                                           float* dx);
}
