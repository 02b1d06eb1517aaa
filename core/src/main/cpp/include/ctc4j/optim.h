/* Fused optimiser updates over one parameter tensor, with PyTorch's semantics (torch.optim SGD,
 * Adam, AdamW), and the reductions gradient-norm clipping needs. All tensors live on `device`. */
#ifndef CTC4J_OPTIM_H
#define CTC4J_OPTIM_H

#include "ctc4j/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* SGD with momentum (dampening 0). */
typedef struct ctc4j_optim_sgd_options {
  float lr, momentum, weight_decay;
  int nesterov;
} ctc4j_optim_sgd_options;

/* Adam (decoupled = 0: L2 added to the gradient) or AdamW (decoupled = 1). */
typedef struct ctc4j_optim_adam_options {
  float lr, beta1, beta2, eps, weight_decay;
  int decoupled;
} ctc4j_optim_adam_options;

/* torch.optim.SGD's: lr 1e-3, no momentum, no weight decay, not Nesterov. */
CTC4J_API ctc4j_optim_sgd_options ctc4j_optim_default_sgd_options(void);
/* torch.optim.Adam's: lr 1e-3, betas (0.9, 0.999), eps 1e-8, no weight decay, not decoupled. */
CTC4J_API ctc4j_optim_adam_options ctc4j_optim_default_adam_options(void);

/* first_step = 1 initialises the momentum buffer with the gradient. */
CTC4J_API int ctc4j_optim_sgd_step(int device, const ctc4j_optim_sgd_options* options, float* param, const float* grad,
                                   float* momentum_buffer, int64_t n, int first_step);

/* step counts from 1. */
CTC4J_API int ctc4j_optim_adam_step(int device, const ctc4j_optim_adam_options* options, float* param,
                                    const float* grad, float* exp_avg, float* exp_avg_sq, int64_t n, int64_t step);

/* out = sum of x[i]^2, accumulated in double. */
CTC4J_API int ctc4j_optim_sum_squares(int device, const float* x, int64_t n, double* out);

/* x *= factor, in place. */
CTC4J_API int ctc4j_optim_scale(int device, float* x, int64_t n, float factor);

#ifdef __cplusplus
}
#endif
#endif
