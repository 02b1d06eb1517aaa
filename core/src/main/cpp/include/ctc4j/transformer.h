/* Inference blocks of convolutional transformers (wav2vec2) over one utterance's time-major
 * activations x[steps, channels] (row-major float32): strided and grouped conv1d, group norm,
 * GELU and fused multi-head self-attention. Matrix products go through the sgemm handed over with
 * ctc4j_nn_set_sgemm. device: CTC4J_CPU; group norm, GELU and attention also run on CUDA devices
 * (conv1d needs a device GEMM and answers CTC4J_UNAVAILABLE there). */
#ifndef CTC4J_TRANSFORMER_H
#define CTC4J_TRANSFORMER_H

#include "ctc4j/core.h"
#include "ctc4j/nn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Output frames of a conv1d over `steps` frames: (steps + 2 padding - kernel) / stride + 1; an
 * error naming the sizes when the padded input is shorter than the kernel. */
CTC4J_API int ctc4j_transformer_conv1d_steps(int64_t steps, int64_t kernel, int64_t stride, int64_t padding,
                                             int64_t* out_steps);

/* torch.nn.functional.conv1d over x[steps, in_channels] with PyTorch's weight layout
 * w[out_channels, in_channels / groups, kernel], optional bias, zero padding on both sides, into
 * y[out_steps, out_channels]. out_steps may be below ctc4j_transformer_conv1d_steps (the first frames
 * are computed: wav2vec2's positional convolution drops its last frame). */
typedef struct ctc4j_transformer_conv1d {
  int64_t steps, in_channels, out_channels, kernel, stride, padding, groups, out_steps;
  const float* w;
  const float* bias; /* [out_channels] or NULL */
  /* w packed once (ctc4j_nn_pack_weights with this kernel and groups), or NULL: patches are then read
   * in place (one group without padding) or from a padded copy of x, not im2col's. The caller keeps it
   * equal to w. */
  const ctc4j_nn_packed_weights* w_packed;
} ctc4j_transformer_conv1d;

/* torch.nn.GroupNorm on x as [1, channels, steps]: a mean and variance per group of channels /
 * groups adjacent channels over all steps, then gamma and beta per channel (either may be NULL);
 * gelu != 0 applies GELU to the result. */
typedef struct ctc4j_transformer_group_norm {
  int64_t steps, channels, groups;
  const float* gamma;
  const float* beta;
  float eps;
  int gelu;
} ctc4j_transformer_group_norm;

/* Multi-head self-attention of one sequence: for each head h, out_h = softmax(scale q_h k_h^T) v_h,
 * where q_h is columns [h head_dim, (h + 1) head_dim) of q[steps, *] (row stride ld_q; likewise k, v
 * and out), so q, k and v may be column ranges of one fused projection. The softmax runs online
 * over blocks of keys: no more than a block of the steps x steps score matrix exists at a time. */
typedef struct ctc4j_transformer_attention {
  int64_t steps, heads, head_dim;
  float scale;
  int64_t ld_q, ld_k, ld_v, ld_out;
} ctc4j_transformer_attention;

/* Stride 1, no padding, one group, no weights. */
CTC4J_API ctc4j_transformer_conv1d ctc4j_transformer_default_conv1d(void);
/* One group, no affine parameters, eps 1e-5 (torch's), no GELU. */
CTC4J_API ctc4j_transformer_group_norm ctc4j_transformer_default_group_norm(void);
/* No sizes, scale 1 (set 1 / sqrt(head_dim) for the usual attention). */
CTC4J_API ctc4j_transformer_attention ctc4j_transformer_default_attention(void);

CTC4J_API int ctc4j_transformer_conv1d_forward(int device, const ctc4j_transformer_conv1d* conv, const float* x,
                                               float* y);
/* y may be x. */
CTC4J_API int ctc4j_transformer_group_norm_forward(int device, const ctc4j_transformer_group_norm* norm,
                                                   const float* x, float* y);
/* y = GELU(x) in the exact erf form, plus residual when it is not NULL. y may be x or residual. */
CTC4J_API int ctc4j_transformer_gelu_forward(int device, const float* x, const float* residual, float* y, int64_t n);
CTC4J_API int ctc4j_transformer_attention_forward(int device, const ctc4j_transformer_attention* attention,
                                                  const float* q, const float* k, const float* v, float* out);

#ifdef __cplusplus
}
#endif
#endif
