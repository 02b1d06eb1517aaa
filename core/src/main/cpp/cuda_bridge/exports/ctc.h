// libctc4j_cuda's CTC loss (see include/ctc4j/ctc.h for the semantics). The batch has been
// validated on the host except for NaN inputs, which the device checks.
#pragma once
#include "common/ctc.h"
#include "ctc4j/core.h"

extern "C" {
// batch->inputs and grad live on `device`; lengths, targets, losses and grad_scales on the host.
CTC4J_API int ctc4jcu_ctc_loss(const ctc4j::CtcBatch* batch, int device, int activations, int zero_infinity,
                               float* losses, const float* grad_scales, float* grad);
}
