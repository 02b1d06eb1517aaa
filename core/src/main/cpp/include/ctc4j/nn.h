/* Neural-network layers: forward and backward passes over flat float32 arrays, row-major.
 * Gradients of parameters (dw, db, dgamma, ...) are ACCUMULATED (+=), as in PyTorch; input
 * gradients are overwritten unless stated. Optional arguments may be NULL. Matrix products go
 * through a BLAS sgemm handed over once with ctc4j_nn_set_sgemm (no link-time BLAS dependency).
 * device: CTC4J_CPU; CUDA devices are answered CTC4J_UNAVAILABLE until the GPU layers land. */
#ifndef CTC4J_NN_H
#define CTC4J_NN_H

#include "ctc4j/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* cblas_sgemm's address (CBLAS ABI, 32-bit integers), e.g. from OpenBLAS. */
CTC4J_API int ctc4j_nn_set_sgemm(void* cblas_sgemm);

/* c[m, n] = alpha * op(a) op(b) + beta * c; op transposes when trans_* != 0. */
CTC4J_API int ctc4j_nn_gemm(int device, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                            const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
                            int64_t ldc);

/* Elementwise helpers: out = a + b, out = a * b, out = sum of the two halves of rows [rows, 2 * half]. */
CTC4J_API int ctc4j_nn_add(int device, const float* a, const float* b, float* out, int64_t n);
CTC4J_API int ctc4j_nn_multiply(int device, const float* a, const float* b, float* out, int64_t n);
CTC4J_API int ctc4j_nn_sum_halves(int device, const float* x, int64_t rows, int64_t half, float* out);

/* Zeroes x[b, r, t] for t >= lengths[b] (host array) in x[batch, rows, steps] (MaskConv). */
CTC4J_API int ctc4j_nn_mask_frames(int device, float* x, int64_t batch, int64_t rows, int64_t steps,
                                   const int32_t* lengths);

/* y = x permuted: x has rank <= 6 and the given shape; y's axis i is x's axis perm[i]. */
CTC4J_API int ctc4j_nn_permute(int device, const float* x, int rank, const int64_t* shape, const int32_t* perm,
                               float* y);

/* Linear: y[rows, out] = x[rows, in] w[out, in]^T + bias[out]. */
CTC4J_API int ctc4j_nn_linear_forward(int device, const float* x, int64_t rows, int64_t in, const float* w,
                                      const float* bias, int64_t out, float* y);
CTC4J_API int ctc4j_nn_linear_backward(int device, const float* x, int64_t rows, int64_t in, const float* w,
                                       int64_t out, const float* dy, float* dx, float* dw, float* dbias);

/* Convolution over x[batch, in_channels, height, width] (conv1d: height 1), weights
 * [out_channels, in_channels / groups, kernel_h, kernel_w]; the geometry is 14 ints in this order. */
enum ctc4j_conv_geometry {
  CTC4J_CONV_BATCH, CTC4J_CONV_IN_CHANNELS, CTC4J_CONV_HEIGHT, CTC4J_CONV_WIDTH, CTC4J_CONV_OUT_CHANNELS,
  CTC4J_CONV_KERNEL_H, CTC4J_CONV_KERNEL_W, CTC4J_CONV_STRIDE_H, CTC4J_CONV_STRIDE_W, CTC4J_CONV_PAD_H,
  CTC4J_CONV_PAD_W, CTC4J_CONV_DILATION_H, CTC4J_CONV_DILATION_W, CTC4J_CONV_GROUPS, CTC4J_CONV_GEOMETRY_SIZE
};
/* Output height and width for a geometry (validates it). */
CTC4J_API int ctc4j_nn_conv2d_output(const int32_t* geometry, int64_t* out_height, int64_t* out_width);
CTC4J_API int ctc4j_nn_conv2d_forward(int device, const int32_t* geometry, const float* x, const float* w,
                                      const float* bias, float* y);
CTC4J_API int ctc4j_nn_conv2d_backward(int device, const int32_t* geometry, const float* x, const float* w,
                                       const float* dy, float* dx, float* dw, float* dbias);

/* Batch norm over x[n, channels, spatial]: statistics per channel over n and spatial. Training uses
 * batch statistics and updates the running ones (unbiased variance, PyTorch momentum); inference
 * uses the running ones. save_mean / save_invstd [channels] receive what backward needs. */
CTC4J_API int ctc4j_nn_batch_norm_forward(int device, const float* x, int64_t n, int64_t channels, int64_t spatial,
                                          const float* gamma, const float* beta, float* running_mean,
                                          float* running_var, float momentum, float eps, int training, float* y,
                                          float* save_mean, float* save_invstd);
CTC4J_API int ctc4j_nn_batch_norm_backward(int device, const float* x, int64_t n, int64_t channels,
                                           int64_t spatial, const float* gamma, const float* save_mean,
                                           const float* save_invstd, int training, const float* dy, float* dx,
                                           float* dgamma, float* dbeta);

/* Layer norm over the middle axis of x[outer, features, inner] (inner = 1: nn.LayerNorm; inner > 1:
 * the CNN variant normalising the feature axis of [batch, channels, features, time]).
 * save_mean / save_invstd hold outer * inner values. */
CTC4J_API int ctc4j_nn_layer_norm_forward(int device, const float* x, int64_t outer, int64_t features,
                                          int64_t inner, const float* gamma, const float* beta, float eps,
                                          float* y, float* save_mean, float* save_invstd);
CTC4J_API int ctc4j_nn_layer_norm_backward(int device, const float* x, int64_t outer, int64_t features,
                                           int64_t inner, const float* gamma, const float* save_mean,
                                           const float* save_invstd, const float* dy, float* dx, float* dgamma,
                                           float* dbeta);

enum ctc4j_activation { CTC4J_RELU = 0, CTC4J_HARDTANH = 1, CTC4J_GELU = 2 };
/* lo and hi are Hardtanh's bounds (ignored otherwise). */
CTC4J_API int ctc4j_nn_activation_forward(int device, int kind, float lo, float hi, const float* x, float* y,
                                          int64_t n);
CTC4J_API int ctc4j_nn_activation_backward(int device, int kind, float lo, float hi, const float* x,
                                           const float* dy, float* dx, int64_t n);

/* Dropout: mask[i] = 0 or 1 / (1 - p), from a counter-based generator keyed by seed; y = x * mask. */
CTC4J_API int ctc4j_nn_dropout_forward(int device, float p, uint64_t seed, const float* x, float* y, float* mask,
                                       int64_t n);

/* Log-softmax over the last axis of x[rows, cols]; backward takes the forward output y. */
CTC4J_API int ctc4j_nn_log_softmax_forward(int device, const float* x, int64_t rows, int64_t cols, float* y);
CTC4J_API int ctc4j_nn_log_softmax_backward(int device, const float* y, const float* dy, int64_t rows,
                                            int64_t cols, float* dx);

/* One direction of one recurrent layer over time-major x[steps, batch, input] (PyTorch gate order:
 * LSTM i, f, g, o; GRU r, z, n). Utterance b is lengths[b] (host) frames long: later frames never
 * touch its state, and its outputs there are zero (packed-sequence semantics); a reverse pass starts
 * at frame lengths[b] - 1. y[t, b] is written at y + (t * batch + b) * y_stride (so both directions
 * can share one [steps, batch, 2 * hidden] buffer). h0/c0/h_n/c_n are [batch, hidden]; c0/c_n only
 * for LSTM. workspace (ctc4j_nn_rnn_workspace_size floats) keeps what backward needs; NULL for
 * inference. one_thread nonzero: the call runs on the calling thread alone, not the pool (for a caller
 * running the two directions side by side). */
enum ctc4j_rnn_cell { CTC4J_LSTM = 0, CTC4J_GRU = 1 };
CTC4J_API int ctc4j_nn_rnn_workspace_size(int cell, int64_t steps, int64_t batch, int64_t hidden, int64_t* floats);
CTC4J_API int ctc4j_nn_rnn_forward(int device, int cell, int reverse, int one_thread, int64_t steps, int64_t batch,
                                   int64_t input, int64_t hidden, const int32_t* lengths, const float* x,
                                   const float* w_ih, const float* w_hh, const float* b_ih, const float* b_hh,
                                   const float* h0, const float* c0, float* y, int64_t y_stride, float* h_n,
                                   float* c_n, float* workspace);
/* dx is ACCUMULATED (both directions add into one input gradient). dy follows y's layout. */
CTC4J_API int ctc4j_nn_rnn_backward(int device, int cell, int reverse, int one_thread, int64_t steps, int64_t batch,
                                    int64_t input, int64_t hidden, const int32_t* lengths, const float* x,
                                    const float* w_ih, const float* w_hh, const float* workspace, const float* dy,
                                    int64_t dy_stride, const float* dh_n, const float* dc_n, float* dx, float* dh0,
                                    float* dc0, float* dw_ih, float* dw_hh, float* db_ih, float* db_hh);

#ifdef __cplusplus
}
#endif
#endif
