/* Fused optimiser updates over one parameter tensor, with PyTorch's semantics (torch.optim SGD,
 * Adam, AdamW), and the reductions gradient-norm clipping needs. All tensors live on `device`. */
#ifndef CTC4J_OPTIM_H
#define CTC4J_OPTIM_H

#include "ctc4j/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* SGD with momentum (dampening 0). first_step = 1 initialises the momentum buffer with the gradient. */
CTC4J_API int ctc4j_sgd_step(int device, float* param, const float* grad, float* momentum_buffer, int64_t n, float lr,
                             float momentum, float weight_decay, int nesterov, int first_step);

/* Adam (decoupled = 0: L2 added to the gradient) or AdamW (decoupled = 1); step counts from 1. */
CTC4J_API int ctc4j_adam_step(int device, float* param, const float* grad, float* exp_avg, float* exp_avg_sq, int64_t n,
                              float lr, float beta1, float beta2, float eps, float weight_decay, int decoupled,
                              int64_t step);

/* out = sum of x[i]^2, accumulated in double. */
CTC4J_API int ctc4j_sum_squares(int device, const float* x, int64_t n, double* out);

/* x *= factor, in place. */
CTC4J_API int ctc4j_scale(int device, float* x, int64_t n, float factor);

#ifdef __cplusplus
}
#endif
#endif
