// libctc4j_cuda's optimiser entry points (see include/ctc4j/optim.h).
#pragma once
#include <stdint.h>

#include "common/optim.h"
#include "ctc4j/core.h"

extern "C" {
CTC4J_API int ctc4jcu_sgd_step(int device, float* param, const float* grad, float* buffer, int64_t n,
                               ctc4j::SgdSettings settings);
CTC4J_API int ctc4jcu_adam_step(int device, float* param, const float* grad, float* m, float* v, int64_t n,
                                ctc4j::AdamSettings settings);
CTC4J_API int ctc4jcu_sum_squares(int device, const float* x, int64_t n, double* out);
CTC4J_API int ctc4jcu_scale(int device, float* x, int64_t n, float factor);
}
