// The CPU's CTC over a validated batch (api/ctc.cpp validates it): the per-utterance kernels of
// cpu/simd/ctc_kernel.cpp on the pool's threads, one utterance per task, with the checks of host
// inputs for NaN.
#pragma once
#include <cstdint>

#include "common/ctc.h"

namespace ctc4j::cpu {

// Loss, and the gradient unless grad is null; `what` names the inputs in errors.
void ctc_loss(const CtcBatch& b, bool activations, bool zero_infinity, float* losses, const float* grad_scales,
              float* grad, const char* what);
// posteriors [batch, max_time, positions] and log-likelihoods [batch]; infeasible utterances are errors.
void ctc_posteriors(const CtcBatch& b, float* posteriors, int64_t positions, double* log_likelihoods);
// states [batch, max_time] and path log-probabilities [batch]; infeasible utterances are errors.
void ctc_viterbi(const CtcBatch& b, int32_t* states, double* path_log_probs);

// ctc4j_ctc_set_log_space_only: the kernels run only their log-space recursions while it is on.
void set_ctc_log_space_only(bool on);

}  // namespace ctc4j::cpu
