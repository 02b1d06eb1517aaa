// The CPU's batched CTC: batches validated by api/ctc.cpp run one utterance per task on the pool.
#include "cpu/ctc.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "cpu/ctc_kernel.h"
#include "support/error.h"
#include "support/parallel.h"
#include "support/scratch.h"

namespace ctc4j {
namespace {
std::atomic<bool> log_space_only{false};
}  // namespace

bool ctc_log_space_only() { return log_space_only.load(std::memory_order_relaxed); }

namespace cpu {
namespace {

std::string utterance(int b) { return "utterance " + std::to_string(b) + ": "; }

// Rejects NaN in the frames of utterance i that the kernels read (host inputs).
void validate_finite_host(const CtcBatch& b, int i, const char* what) {
  for (int64_t t = 0; t < b.input_lengths[i]; ++t) {
    const float* row = b.inputs + t * b.time_stride + i * b.batch_stride;
    int32_t magnitude = 0;  // the largest |bits|: NaN exactly when above +inf's, and this vectorises
    for (int c = 0; c < b.alphabet; ++c) magnitude = std::max(magnitude, bits_from_float(row[c]) & 0x7fffffff);
    if (magnitude <= 0x7f800000) continue;
    const int c = static_cast<int>(std::find_if(row, row + b.alphabet, [](float v) { return v != v; }) - row);
    throw Error(CTC4J_INVALID_ARGUMENT, utterance(i) + what + " at frame " + std::to_string(t) + ", class " +
                                            std::to_string(c) + " is NaN");
  }
}

void validate_finite_host(const CtcBatch& b, const char* what) {
  for (int i = 0; i < b.batch; ++i) validate_finite_host(b, i, what);
}

CtcUtterance utterance_view(const CtcBatch& b, int i, const float* rows, int64_t time_stride) {
  const int64_t offset = b.target_offsets[i];
  return CtcUtterance{rows,
                      time_stride,
                      static_cast<int>(b.input_lengths[i]),
                      b.alphabet,
                      b.targets + offset,
                      static_cast<int>(b.target_lengths[i]),
                      b.blank};
}

float loss_from(double log_likelihood, bool zero_infinity) {
  if (std::isinf(log_likelihood)) return zero_infinity ? 0.0f : std::numeric_limits<float>::infinity();
  return static_cast<float>(-log_likelihood);
}

void require_feasible(double log_likelihood, const CtcBatch& b, int i) {
  require(!std::isinf(log_likelihood), utterance(i) + "no alignment of " + std::to_string(b.target_lengths[i]) +
                                           " labels fits in " + std::to_string(b.input_lengths[i]) + " frames");
}

}  // namespace

void set_ctc_log_space_only(bool on) { log_space_only.store(on, std::memory_order_relaxed); }

// With the gradient, the kernels read every input and flag NaN on the way, which saves a pass over
// the inputs (as wide as the gradient); utterances they flag, and infeasible ones (whose inputs they
// skip), are checked afterwards. The loss alone reads only the label columns, so it checks first.
void ctc_loss(const CtcBatch& b, bool activations, bool zero_infinity, float* losses, const float* grad_scales,
              float* grad, const char* what) {
  if (grad == nullptr) validate_finite_host(b, what);
  std::vector<char> recheck(grad == nullptr ? 0 : b.batch);
  parallel_for(b.batch, [&](int64_t i) {
    const float* rows = b.inputs + i * b.batch_stride;
    int64_t stride = b.time_stride;
    const int frames = static_cast<int>(b.input_lengths[i]);
    ScratchFrame scratch;
    if (activations) {
      float* log_softmax = scratch.take<float>(static_cast<size_t>(frames) * b.alphabet);
      CTC4J_SIMD_DISPATCH(log_softmax_rows)(rows, stride, frames, b.alphabet, log_softmax);
      rows = log_softmax;
      stride = b.alphabet;
    }
    const CtcUtterance u = utterance_view(b, static_cast<int>(i), rows, stride);
    double log_likelihood;
    if (grad == nullptr) {
      log_likelihood = CTC4J_SIMD_DISPATCH(ctc_loss_utterance)(u, nullptr);
    } else {
      float* g = grad + i * b.batch_stride;
      CtcGradientRows rows_out{g, b.time_stride, grad_scales[i], zero_infinity, false};
      log_likelihood = CTC4J_SIMD_DISPATCH(ctc_loss_utterance)(u, &rows_out);
      for (int t = frames; t < b.max_time; ++t) std::fill_n(g + t * b.time_stride, b.alphabet, 0.0f);
      recheck[i] = rows_out.saw_nan || std::isinf(log_likelihood);
    }
    losses[i] = loss_from(log_likelihood, zero_infinity);
  });
  for (int i = 0; i < static_cast<int>(recheck.size()); ++i) {
    if (recheck[i]) validate_finite_host(b, i, what);
  }
}

void ctc_posteriors(const CtcBatch& b, float* posteriors, int64_t positions, double* log_likelihoods) {
  validate_finite_host(b, "log-probability");
  std::fill_n(posteriors, int64_t{b.batch} * b.max_time * positions, 0.0f);
  parallel_for(b.batch, [&](int64_t i) {
    const CtcUtterance u = utterance_view(b, static_cast<int>(i), b.inputs + i * b.batch_stride, b.time_stride);
    float* out = posteriors + i * b.max_time * positions;
    log_likelihoods[i] = CTC4J_SIMD_DISPATCH(ctc_posteriors_utterance)(u, out, positions);
  });
  for (int i = 0; i < b.batch; ++i) require_feasible(log_likelihoods[i], b, i);
}

void ctc_viterbi(const CtcBatch& b, int32_t* states, double* path_log_probs) {
  validate_finite_host(b, "log-probability");
  std::fill_n(states, int64_t{b.batch} * b.max_time, -1);
  parallel_for(b.batch, [&](int64_t i) {
    const CtcUtterance u = utterance_view(b, static_cast<int>(i), b.inputs + i * b.batch_stride, b.time_stride);
    path_log_probs[i] = CTC4J_SIMD_DISPATCH(ctc_viterbi_utterance)(u, states + i * b.max_time);
  });
  for (int i = 0; i < b.batch; ++i) require_feasible(path_log_probs[i], b, i);
}

}  // namespace cpu
}  // namespace ctc4j
