// CPU layers other than the recurrent ones (ctc4j/nn.h): linear, convolution, batch and layer norm,
// activations, dropout, log-softmax and small elementwise helpers, over inputs validated by
// api/nn.cpp. Parameter gradients accumulate; input gradients are overwritten.
#pragma once
#include <cstdint>

#include "common/conv_geometry.h"
#include "common/permute.h"

namespace ctc4j::cpu {

using ::ctc4j::ConvGeometry;

// The geometry c (out_h and out_w ignored), validated, with the output size worked out.
ConvGeometry conv_geometry(ConvGeometry c);

void add(const float* a, const float* b, float* out, int64_t n);
void multiply(const float* a, const float* b, float* out, int64_t n);
void sum_halves(const float* x, int64_t rows, int64_t half, float* out);
void repeat_halves(const float* x, int64_t rows, int64_t half, float* out);
void mask_frames(float* x, int64_t batch, int64_t rows, int64_t steps, const int32_t* lengths);
// The geometry of permuting x[shape] by perm, validated (rank at most kMaxPermuteRank).
PermuteGeometry permute_geometry(int rank, const int64_t* shape, const int32_t* perm);
void permute(const PermuteGeometry& g, const float* x, float* y);
// w_packed: w packed once (cpu/nn_packed.h), or null.
void linear_forward(const float* x, int64_t rows, int64_t in, const float* w, const float* w_packed, const float* bias,
                    int64_t out, float* y);
void linear_backward(const float* x, int64_t rows, int64_t in, const float* w, int64_t out,
                             const float* dy, float* dx, float* dw, float* dbias);
void conv2d_forward(const ConvGeometry& g, const float* x, const float* w, const float* bias,
                            float* y);
void conv2d_backward(const ConvGeometry& g, const float* x, const float* w, const float* dy,
                             float* dx, float* dw, float* dbias);
void batch_norm_forward(const float* x, int64_t n, int64_t channels, int64_t spatial,
                                const float* gamma, const float* beta, float* running_mean, float* running_var,
                                float momentum, float eps, int training, float* y, float* save_mean,
                                float* save_invstd);
void batch_norm_backward(const float* x, int64_t n, int64_t channels, int64_t spatial,
                                 const float* gamma, const float* save_mean, const float* save_invstd, int training,
                                 const float* dy, float* dx, float* dgamma, float* dbeta);
void layer_norm_forward(const float* x, int64_t outer, int64_t features, int64_t inner,
                                const float* gamma, const float* beta, float eps, float* y, float* save_mean,
                                float* save_invstd);
void layer_norm_backward(const float* x, int64_t outer, int64_t features, int64_t inner,
                                 const float* gamma, const float* save_mean, const float* save_invstd,
                                 const float* dy, float* dx, float* dgamma, float* dbeta);
void activation_forward(int kind, float lo, float hi, const float* x, float* y, int64_t n);
void activation_backward(int kind, float lo, float hi, const float* x, const float* dy, float* dx,
                                 int64_t n);
void dropout_forward(float p, uint64_t seed, const float* x, float* y, float* mask, int64_t n);
void log_softmax_forward(const float* x, int64_t rows, int64_t cols, float* y);
void log_softmax_backward(const float* y, const float* dy, int64_t rows, int64_t cols, float* dx);

}  // namespace ctc4j::cpu
