// The CPU CTC kernels over one utterance, compiled generic and AVX2+FMA (cpu/simd.h). Each returns
// log p(target | input), or -infinity when no alignment exists. Scratch memory comes from the calling
// thread's arena (support/scratch.h).
#pragma once
#include <cstdint>

#include "common/ctc.h"
#include "cpu/simd.h"

namespace ctc4j {

// Where ctc_loss_utterance writes the gradient: frames [0, frames) of the utterance, row t at
// rows + t * stride, each multiplied by scale; NaN (or 0 with zero_infinity) when infeasible.
// A feasible utterance's rows are computed from every input of its frames, which the kernel checks
// on the way: saw_nan reports a NaN among them (the gradient then means nothing).
struct CtcGradientRows {
  float* rows;
  int64_t stride;
  float scale;
  bool zero_infinity;
  bool saw_nan;
};

// True while ctc4j_ctc_set_log_space_only is on: the kernels skip linear space.
bool ctc_log_space_only();

}  // namespace ctc4j

// grad may be null (loss only).
CTC4J_SIMD_DECLARE(double ctc_loss_utterance(const ::ctc4j::CtcUtterance& u, ::ctc4j::CtcGradientRows* grad))
// Row t of out (stride out_stride) receives the 2L+1 posteriors of frame t.
CTC4J_SIMD_DECLARE(double ctc_posteriors_utterance(const ::ctc4j::CtcUtterance& u, float* out, int64_t out_stride))
// states[t] receives the best path's extended position at frame t; the path's log-probability is returned.
CTC4J_SIMD_DECLARE(double ctc_viterbi_utterance(const ::ctc4j::CtcUtterance& u, int32_t* states))
// out[t * cols + c] = log_softmax(x[t * stride + ...])[c] for t < rows.
CTC4J_SIMD_DECLARE(void log_softmax_rows(const float* x, int64_t stride, int rows, int cols, float* out))
