// CTC math shared by the CPU and CUDA backends: log-add-exp and the one-step
// recursions over the extended label sequence (blank, y1, blank, y2, ..., blank), whose position s
// holds a blank when s is even and target s/2 when it is odd.
//
// Probabilities stay in log space. "Zero" is the finite kLogZero rather than -inf, so no recursion
// ever meets inf - inf; every step clamps at kLogZero, and a result below kLogZero / 2 means zero.
#pragma once
#include <stdint.h>

#include "common/fast_math.h"
#include "common/hd.h"

namespace ctc4j {

constexpr float kLogZero = -1e30f;

// A batch as every CTC entry point receives it. inputs (log-probabilities or activations) hold
// frame t of utterance b, class c at inputs[t * time_stride + b * batch_stride + c]; the other
// arrays are host memory. Utterance b's labels are targets[target_offsets[b] + i], i < target_lengths[b].
struct CtcBatch {
  const float* inputs;
  int64_t time_stride, batch_stride;
  int max_time, batch, alphabet, blank;
  const int64_t* input_lengths;
  const int32_t* targets;
  const int64_t* target_offsets;
  const int64_t* target_lengths;
  int64_t targets_size;
};

// One utterance as the kernels see it: frame t's log-probabilities (or, for the fused variant, its
// log-softmax) at log_probs[t * time_stride + c] for c in [0, alphabet).
struct CtcUtterance {
  const float* log_probs;
  int64_t time_stride;
  int frames;
  int alphabet;
  const int32_t* targets;
  int target_length;
  int blank;
};

CTC4J_HD int ctc_positions(int target_length) { return 2 * target_length + 1; }

CTC4J_HD int ctc_label(const int32_t* targets, int blank, int s) { return (s & 1) ? targets[s >> 1] : blank; }

// 0 where position s may be entered from s - 2 (a label differing from the previous label), else
// kLogZero. Added to alpha[s - 2], it disables the skip without a branch.
CTC4J_HD float ctc_skip_penalty(const int32_t* targets, int s) {
  return ((s & 1) && s >= 3 && targets[s >> 1] != targets[(s >> 1) - 1]) ? 0.0f : kLogZero;
}

// The log-space functions below take float or double cells (`Real`). The exponentials and the log
// correction run in float either way: they are near 1, where float is exact to 1e-7. Cells of a
// path's score are not: in float they round at 1e-5 once emissions are hundreds of nats apart.
template <class Real>
CTC4J_HD Real max2(Real a, Real b) { return a > b ? a : b; }
template <class Real>
CTC4J_HD Real min2(Real a, Real b) { return a < b ? a : b; }

template <class Real>
CTC4J_HD Real log_add(Real a, Real b) {
  const Real m = max2(a, b);
  return m + fast_log(fast_exp(float(a - m)) + fast_exp(float(b - m)));
}

// The largest term contributes exp(0) = 1, so two exponentials suffice.
template <class Real>
CTC4J_HD Real log_add3(Real a, Real b, Real c) {
  const Real high = max2(a, b), low = min2(a, b);
  const Real m = max2(high, c), middle = min2(high, c);
  return m + fast_log(1.0f + fast_exp(float(low - m)) + fast_exp(float(middle - m)));
}

// The sum-product step of alpha (forward) and beta (backward): a position is reached by staying,
// by advancing one position, or by skipping a blank (skip already carries its penalty).
template <class Real>
CTC4J_HD Real ctc_step(Real stay, Real advance, Real skip, Real emission) {
  return max2(log_add3(stay, advance, skip) + emission, Real(kLogZero));
}

// The max-product step of Viterbi; *from receives 0 (stay), 1 (advance) or 2 (skip). Ties prefer
// staying, then advancing, so the path is deterministic.
template <class Real>
CTC4J_HD Real viterbi_step(Real stay, Real advance, Real skip, Real emission, int8_t* from) {
  const Real best2 = max2(stay, advance);
  const Real best = max2(best2, skip);
  *from = static_cast<int8_t>(skip > best2 ? 2 : (advance > stay ? 1 : 0));
  return max2(best + emission, Real(kLogZero));
}

CTC4J_HD float ctc_emission(const float* row, int label) { return max2(row[label], kLogZero); }

// Posterior of position s at one frame: alpha and beta both include the frame's emission, so it is
// divided out once; `shift` = (alpha and beta row offsets) - log-likelihood.
template <class Real>
CTC4J_HD float ctc_occupancy(Real alpha, Real beta, Real emission, Real shift) {
  return fast_exp(float(alpha + beta - emission + shift));
}

// d loss / d log-probability of one class at one frame: its probability minus its posterior (the
// occupancies of the positions that emit it), times the utterance's loss weight.
CTC4J_HD float ctc_gradient(float log_prob, float posterior, float scale) {
  return scale * (fast_exp(log_prob) - posterior);
}

}  // namespace ctc4j
