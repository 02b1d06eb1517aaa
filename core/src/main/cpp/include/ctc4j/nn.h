/* Neural-network layers: forward and backward passes over flat float32 arrays, row-major.
 * A layer with parameters is described by a struct (its sizes, options, parameters, their gradients
 * and what forward saves for backward) with a defaults function; the calls take the activations.
 * Gradients of parameters (dw, dbias, dgamma, ...) are ACCUMULATED (+=), as in PyTorch, when set;
 * input gradients are overwritten unless stated. Optional pointers may be NULL. Matrix products go
 * through a BLAS sgemm handed over once with ctc4j_nn_set_sgemm (no link-time BLAS dependency).
 * device: CTC4J_CPU, or a CUDA device (arrays in its memory; host arrays stay host arrays) for the
 * elementwise helpers, frame masking, permutation, the linear and convolution layers (products
 * through cuBLAS, opened at run time), batch and layer norm, activations, dropout, log-softmax and
 * whole recurrent layers (cuDNN); the one-direction recurrent calls answer CUDA devices
 * CTC4J_UNAVAILABLE. */
#ifndef CTC4J_NN_H
#define CTC4J_NN_H

#include "ctc4j/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* cblas_sgemm's address (CBLAS ABI, 32-bit integers), e.g. from OpenBLAS. */
CTC4J_API int ctc4j_nn_set_sgemm(void* cblas_sgemm);

/* Elementwise helpers: out = a + b, out = a * b, out = sum of the two halves of rows [rows, 2 * half];
 * repeat_halves, its backward: out [rows, 2 * half] holds each row of x [rows, half] twice. */
CTC4J_API int ctc4j_nn_add(int device, const float* a, const float* b, float* out, int64_t n);
CTC4J_API int ctc4j_nn_multiply(int device, const float* a, const float* b, float* out, int64_t n);
CTC4J_API int ctc4j_nn_sum_halves(int device, const float* x, int64_t rows, int64_t half, float* out);
CTC4J_API int ctc4j_nn_repeat_halves(int device, const float* x, int64_t rows, int64_t half, float* out);

/* Zeroes x[b, r, t] for t >= lengths[b] (host array) in x[batch, rows, steps] (MaskConv). */
CTC4J_API int ctc4j_nn_mask_frames(int device, float* x, int64_t batch, int64_t rows, int64_t steps,
                                   const int32_t* lengths);

/* y = x permuted: x has rank <= 6 and the given shape; y's axis i is x's axis perm[i]. */
CTC4J_API int ctc4j_nn_permute(int device, const float* x, int rank, const int64_t* shape, const int32_t* perm,
                               float* y);

/* Float32 weights w[rows, cols] (host) packed once for the products x w^T of CPU inference passes
 * that run on them call after call (a recurrent layer's steps, linear layers, convolutions), where
 * a BLAS would pack them again on every call. kernel: 1 for a matrix; a conv1d's kernel for its
 * weights [rows, cols / kernel, kernel], packed so that input patches are read in place. groups: 1,
 * or a grouped conv1d's groups (rows / groups rows each). Immutable and shareable across threads once
 * made: a copy, so a caller that changes w packs it again. */
typedef struct ctc4j_nn_packed_weights ctc4j_nn_packed_weights;
CTC4J_API int ctc4j_nn_pack_weights(const float* w, int64_t rows, int64_t cols, int64_t kernel, int64_t groups,
                                    ctc4j_nn_packed_weights** out);
CTC4J_API int ctc4j_nn_packed_weights_destroy(ctc4j_nn_packed_weights* p);

/* Linear: y[rows, out] = x[rows, in] w[out, in]^T + bias[out]. w_packed (or NULL): w packed once,
 * forward only; the caller keeps it equal to w. */
typedef struct ctc4j_nn_linear {
  int64_t rows, in, out;
  const float* w;
  const float* bias; /* or NULL */
  float* dw;         /* backward: accumulated when not NULL */
  float* dbias;
  const ctc4j_nn_packed_weights* w_packed;
} ctc4j_nn_linear;

CTC4J_API ctc4j_nn_linear ctc4j_nn_default_linear(void); /* no sizes, no arrays */
CTC4J_API int ctc4j_nn_linear_forward(int device, const ctc4j_nn_linear* linear, const float* x, float* y);
/* dx may be NULL. */
CTC4J_API int ctc4j_nn_linear_backward(int device, const ctc4j_nn_linear* linear, const float* x, const float* dy,
                                       float* dx);

/* Convolution over x[batch, in_channels, height, width] (conv1d: height 1), weights
 * w[out_channels, in_channels / groups, kernel_h, kernel_w]. */
typedef struct ctc4j_nn_conv2d {
  int64_t batch, in_channels, height, width, out_channels;
  int64_t kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w, groups;
  const float* w;
  const float* bias; /* or NULL */
  float* dw;         /* backward: accumulated when not NULL */
  float* dbias;
} ctc4j_nn_conv2d;

/* Kernel 1 x 1, stride 1, no padding, dilation 1, one group, no sizes, no arrays. */
CTC4J_API ctc4j_nn_conv2d ctc4j_nn_default_conv2d(void);
/* Output height and width (validates the geometry). */
CTC4J_API int ctc4j_nn_conv2d_output(const ctc4j_nn_conv2d* conv, int64_t* out_height, int64_t* out_width);
CTC4J_API int ctc4j_nn_conv2d_forward(int device, const ctc4j_nn_conv2d* conv, const float* x, float* y);
/* dx may be NULL. */
CTC4J_API int ctc4j_nn_conv2d_backward(int device, const ctc4j_nn_conv2d* conv, const float* x, const float* dy,
                                       float* dx);

/* Batch norm over x[n, channels, spatial]: statistics per channel over n and spatial. Training uses
 * batch statistics and updates the running ones (unbiased variance, PyTorch momentum); inference
 * uses the running ones. Forward writes save_mean / save_invstd [channels] when set; backward reads
 * them (with training as in the forward pass it follows). */
typedef struct ctc4j_nn_batch_norm {
  int64_t n, channels, spatial;
  const float* gamma; /* [channels] or NULL */
  const float* beta;
  float* dgamma;      /* backward: accumulated when not NULL */
  float* dbeta;
  float* running_mean; /* [channels] */
  float* running_var;
  float momentum, eps;
  int training;
  float* save_mean;
  float* save_invstd;
} ctc4j_nn_batch_norm;

/* Momentum 0.1, eps 1e-5 (torch's), inference, no sizes, no arrays. */
CTC4J_API ctc4j_nn_batch_norm ctc4j_nn_default_batch_norm(void);
CTC4J_API int ctc4j_nn_batch_norm_forward(int device, const ctc4j_nn_batch_norm* norm, const float* x, float* y);
/* dx may be NULL. */
CTC4J_API int ctc4j_nn_batch_norm_backward(int device, const ctc4j_nn_batch_norm* norm, const float* x,
                                           const float* dy, float* dx);

/* Layer norm over the middle axis of x[outer, features, inner] (inner = 1: nn.LayerNorm; inner > 1:
 * the CNN variant normalising the feature axis of [batch, channels, features, time]).
 * save_mean / save_invstd hold outer * inner values: written by forward when set, read by backward. */
typedef struct ctc4j_nn_layer_norm {
  int64_t outer, features, inner;
  const float* gamma; /* [features] or NULL */
  const float* beta;
  float* dgamma;      /* backward: accumulated when not NULL */
  float* dbeta;
  float eps;
  float* save_mean;
  float* save_invstd;
} ctc4j_nn_layer_norm;

/* inner 1, eps 1e-5 (torch's), no sizes, no arrays. */
CTC4J_API ctc4j_nn_layer_norm ctc4j_nn_default_layer_norm(void);
CTC4J_API int ctc4j_nn_layer_norm_forward(int device, const ctc4j_nn_layer_norm* norm, const float* x, float* y);
/* dx may be NULL. */
CTC4J_API int ctc4j_nn_layer_norm_backward(int device, const ctc4j_nn_layer_norm* norm, const float* x,
                                           const float* dy, float* dx);

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
 * can share one [steps, batch, 2 * hidden] buffer); dy follows dy_stride likewise. h0/c0/h_n/c_n are
 * [batch, hidden]; c0/c_n only for LSTM. workspace (ctc4j_nn_rnn_workspace_size floats) keeps what
 * backward needs; NULL for inference. one_thread nonzero: the call runs on the calling thread alone,
 * not the pool (for a caller running the two directions side by side). w_ih_packed/w_hh_packed
 * (ctc4j_nn_pack_weights of w_ih/w_hh, or NULL): the same weights packed once for inference passes,
 * CPU forward only; the caller keeps them equal to w_ih/w_hh. */
enum ctc4j_rnn_cell { CTC4J_LSTM = 0, CTC4J_GRU = 1 };
typedef struct ctc4j_nn_rnn {
  int cell; /* enum ctc4j_rnn_cell */
  int reverse, one_thread;
  int64_t steps, batch, input, hidden;
  const int32_t* lengths;
  const float* w_ih; /* [gates * hidden, input] */
  const float* w_hh; /* [gates * hidden, hidden] */
  const float* b_ih; /* [gates * hidden] or NULL */
  const float* b_hh;
  float* dw_ih;      /* backward: accumulated when not NULL */
  float* dw_hh;
  float* db_ih;
  float* db_hh;
  int64_t y_stride, dy_stride;
  float* workspace;
  const ctc4j_nn_packed_weights* w_ih_packed;
  const ctc4j_nn_packed_weights* w_hh_packed;
} ctc4j_nn_rnn;

/* LSTM, forward in time, on the pool, no sizes, no arrays. */
CTC4J_API ctc4j_nn_rnn ctc4j_nn_default_rnn(void);
CTC4J_API int ctc4j_nn_rnn_workspace_size(int cell, int64_t steps, int64_t batch, int64_t hidden, int64_t* floats);
CTC4J_API int ctc4j_nn_rnn_forward(int device, const ctc4j_nn_rnn* rnn, const float* x, const float* h0,
                                   const float* c0, float* y, float* h_n, float* c_n);
/* A whole recurrent layer: directions[0] forward in time and, when count is 2, directions[1] reverse
 * (their reverse flags 0 and 1), of one cell and one size, over one x and one lengths array. y is
 * [steps, batch, count * hidden] (each direction's y_stride count * hidden, the forward half first, as
 * PyTorch's bidirectional output); h0/c0/h_n/c_n are [count, batch, hidden] or NULL. On the CPU each
 * direction runs as in ctc4j_nn_rnn_forward, with its own workspace (or NULL) and packed weights. On a
 * CUDA device the layer runs through cuDNN (opened at run time), every utterance at least one frame
 * long, no packed weights; training keeps one reserve space for the whole layer in
 * directions[0].workspace (directions[1].workspace NULL), inference passes NULL. */
CTC4J_API int ctc4j_nn_rnn_layer_forward(int device, const ctc4j_nn_rnn* directions, int count, const float* x,
                                         const float* h0, const float* c0, float* y, float* h_n, float* c_n);
/* Floats of the workspace a training forward of this layer needs: on the CPU each direction's (as
 * ctc4j_nn_rnn_workspace_size), on CUDA the layer's one reserve space (it depends on the lengths). */
CTC4J_API int ctc4j_nn_rnn_layer_workspace_size(int device, const ctc4j_nn_rnn* directions, int count,
                                                int64_t* floats);
/* The layer's backward after a training forward with the same directions and lengths: dy is [steps,
 * batch, count * hidden] (each dy_stride count * hidden), dh_n/dc_n/dh0/dc0 [count, batch, hidden] or
 * NULL; dx is ACCUMULATED, dh0/dc0 overwritten, each direction's dw_ih, dw_hh, db_ih, db_hh accumulated
 * where set. x, h0, c0 and y are the forward's (read on CUDA; the CPU keeps what it needs in the
 * workspaces). */
CTC4J_API int ctc4j_nn_rnn_layer_backward(int device, const ctc4j_nn_rnn* directions, int count, const float* x,
                                          const float* h0, const float* c0, const float* y, const float* dy,
                                          const float* dh_n, const float* dc_n, float* dx, float* dh0, float* dc0);
/* dx is ACCUMULATED (both directions add into one input gradient). */
CTC4J_API int ctc4j_nn_rnn_backward(int device, const ctc4j_nn_rnn* rnn, const float* x, const float* dy,
                                    const float* dh_n, const float* dc_n, float* dx, float* dh0, float* dc0);

#ifdef __cplusplus
}
#endif
#endif
