// Optimiser updates and gradient reductions on the CPU (the shared per-element math of
// common/optim.h over chunks, in parallel).
#pragma once
#include <cstdint>

#include "common/optim.h"

namespace ctc4j::cpu {

void sgd_step(float* param, const float* grad, float* buffer, int64_t n, const SgdSettings& s);
void adam_step(float* param, const float* grad, float* m, float* v, int64_t n, const AdamSettings& s);
// Sums in double over fixed chunks: the result does not depend on the thread count.
double sum_squares(const float* x, int64_t n);
void scale(float* x, int64_t n, float factor);

}  // namespace ctc4j::cpu
