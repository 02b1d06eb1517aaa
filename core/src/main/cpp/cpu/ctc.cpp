// The CTC C API: validates a batch, then runs the per-utterance kernels on threads over the batch,
// or hands the loss to the CUDA backend.
#include "ctc4j/ctc.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "cpu/ctc_kernel.h"
#include "cpu/cuda_backend.h"
#include "cpu/error.h"
#include "cpu/parallel.h"
#include "cuda_api/ctc.h"

using namespace ctc4j;

namespace {
std::atomic<bool> log_space_only{false};
}  // namespace

bool ctc4j::ctc_log_space_only() { return log_space_only.load(std::memory_order_relaxed); }

namespace {

constexpr int kSoftmaxSlot = 8;  // thread_scratch<float> slot of the fused log-softmax (kernels use 0-1)

CtcBatch make_batch(const float* inputs, int layout, int max_time, int batch, int alphabet,
                    const int64_t* input_lengths, const int32_t* targets, const int64_t* target_offsets,
                    const int64_t* target_lengths, int64_t targets_size, int blank) {
  require(layout == CTC4J_CTC_TIME_MAJOR || layout == CTC4J_CTC_BATCH_MAJOR, "unknown layout " + std::to_string(layout));
  require(max_time >= 0 && batch >= 0, "negative size: max_time " + std::to_string(max_time) + ", batch " +
                                           std::to_string(batch));
  require(alphabet >= 1, "the alphabet needs at least one class (the blank), got " + std::to_string(alphabet));
  require(blank >= 0 && blank < alphabet,
          "blank " + std::to_string(blank) + " outside the alphabet [0, " + std::to_string(alphabet) + ")");
  require(targets_size >= 0, "negative targets size " + std::to_string(targets_size));
  const bool time_major = layout == CTC4J_CTC_TIME_MAJOR;
  return CtcBatch{inputs,
                  time_major ? int64_t{batch} * alphabet : alphabet,
                  time_major ? alphabet : int64_t{max_time} * alphabet,
                  max_time,
                  batch,
                  alphabet,
                  blank,
                  input_lengths,
                  targets,
                  target_offsets,
                  target_lengths,
                  targets_size};
}

std::string utterance(int b) { return "utterance " + std::to_string(b) + ": "; }

// Lengths and labels: everything about the batch that lives on the host.
void validate_host(const CtcBatch& b) {
  if (b.batch == 0) return;
  require(b.input_lengths && b.target_offsets && b.target_lengths && (b.targets || b.targets_size == 0),
          "null lengths or targets");
  for (int i = 0; i < b.batch; ++i) {
    require(b.input_lengths[i] >= 0 && b.input_lengths[i] <= b.max_time,
            utterance(i) + "input length " + std::to_string(b.input_lengths[i]) + " outside [0, " +
                std::to_string(b.max_time) + "]");
    const int64_t offset = b.target_offsets[i], length = b.target_lengths[i];
    require(length >= 0, utterance(i) + "negative target length " + std::to_string(length));
    require(offset >= 0 && offset + length <= b.targets_size,
            utterance(i) + "target length " + std::to_string(length) + " at offset " + std::to_string(offset) +
                " runs past the " + std::to_string(b.targets_size) + " target labels");
    for (int64_t k = 0; k < length; ++k) {
      const int32_t label = b.targets[offset + k];
      require(label >= 0 && label < b.alphabet && label != b.blank,
              utterance(i) + "target " + std::to_string(k) + " is " + std::to_string(label) +
                  (label == b.blank ? ", the blank" : ", outside [0, " + std::to_string(b.alphabet) + ")"));
    }
  }
}

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

// With the gradient, the kernels read every input and flag NaN on the way, which saves a pass over
// the inputs (as wide as the gradient); utterances they flag, and infeasible ones (whose inputs they
// skip), are checked afterwards. The loss alone reads only the label columns, so it checks first.
void ctc_loss_cpu(const CtcBatch& b, bool activations, bool zero_infinity, float* losses, const float* grad_scales,
                  float* grad, const char* what) {
  if (grad == nullptr) validate_finite_host(b, what);
  std::vector<char> recheck(grad == nullptr ? 0 : b.batch);
  parallel_for(b.batch, [&](int64_t i) {
    const float* rows = b.inputs + i * b.batch_stride;
    int64_t stride = b.time_stride;
    const int frames = static_cast<int>(b.input_lengths[i]);
    if (activations) {
      float* log_softmax = thread_scratch<float>(static_cast<size_t>(frames) * b.alphabet, kSoftmaxSlot);
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

void require_feasible(double log_likelihood, const CtcBatch& b, int i) {
  require(!std::isinf(log_likelihood), utterance(i) + "no alignment of " + std::to_string(b.target_lengths[i]) +
                                           " labels fits in " + std::to_string(b.input_lengths[i]) + " frames");
}

int64_t longest_target(const CtcBatch& b) {
  int64_t longest = 0;
  for (int i = 0; i < b.batch; ++i) longest = std::max(longest, b.target_lengths[i]);
  return longest;
}

}  // namespace

extern "C" {

int ctc4j_ctc_loss(int device, const float* inputs, int input_kind, int layout, int max_time, int batch, int alphabet,
                   const int64_t* input_lengths, const int32_t* targets, const int64_t* target_offsets,
                   const int64_t* target_lengths, int64_t targets_size, int blank, int zero_infinity, float* losses,
                   const float* grad_scales, float* grad) {
  return guarded([&] {
    const CtcBatch b = make_batch(inputs, layout, max_time, batch, alphabet, input_lengths, targets, target_offsets,
                                  target_lengths, targets_size, blank);
    require(input_kind == CTC4J_CTC_LOG_PROBS || input_kind == CTC4J_CTC_ACTIVATIONS,
            "unknown input kind " + std::to_string(input_kind));
    validate_host(b);
    if (batch == 0) return;
    require(inputs != nullptr && losses != nullptr && (grad == nullptr || grad_scales != nullptr), "null argument");
    const bool activations = input_kind == CTC4J_CTC_ACTIVATIONS;
    const char* what = activations ? "activation" : "log-probability";
    if (device == CTC4J_CPU) {
      ctc_loss_cpu(b, activations, zero_infinity != 0, losses, grad_scales, grad, what);
    } else {
      cuda::require_device(device);
      CTC4J_CUDA_CALL(ctc4jcu_ctc_loss, &b, device, activations ? 1 : 0, zero_infinity, losses, grad_scales, grad);
    }
  });
}

int ctc4j_ctc_set_log_space_only(int on) {
  log_space_only.store(on != 0, std::memory_order_relaxed);
  return CTC4J_OK;
}

int ctc4j_ctc_posteriors(const float* log_probs, int layout, int max_time, int batch, int alphabet,
                         const int64_t* input_lengths, const int32_t* targets, const int64_t* target_offsets,
                         const int64_t* target_lengths, int64_t targets_size, int blank, float* posteriors,
                         int64_t positions, double* log_likelihoods) {
  return guarded([&] {
    const CtcBatch b = make_batch(log_probs, layout, max_time, batch, alphabet, input_lengths, targets,
                                  target_offsets, target_lengths, targets_size, blank);
    validate_host(b);
    if (batch == 0) return;
    require(log_probs != nullptr && posteriors != nullptr && log_likelihoods != nullptr, "null argument");
    require(positions >= 2 * longest_target(b) + 1,
            "posterior rows of " + std::to_string(positions) + " cannot hold " +
                std::to_string(2 * longest_target(b) + 1) + " extended positions");
    validate_finite_host(b, "log-probability");
    std::fill_n(posteriors, int64_t{batch} * max_time * positions, 0.0f);
    parallel_for(batch, [&](int64_t i) {
      const CtcUtterance u = utterance_view(b, static_cast<int>(i), log_probs + i * b.batch_stride, b.time_stride);
      float* out = posteriors + i * max_time * positions;
      log_likelihoods[i] = CTC4J_SIMD_DISPATCH(ctc_posteriors_utterance)(u, out, positions);
    });
    for (int i = 0; i < batch; ++i) require_feasible(log_likelihoods[i], b, i);
  });
}

int ctc4j_ctc_viterbi(const float* log_probs, int layout, int max_time, int batch, int alphabet,
                      const int64_t* input_lengths, const int32_t* targets, const int64_t* target_offsets,
                      const int64_t* target_lengths, int64_t targets_size, int blank, int32_t* states,
                      double* path_log_probs) {
  return guarded([&] {
    const CtcBatch b = make_batch(log_probs, layout, max_time, batch, alphabet, input_lengths, targets,
                                  target_offsets, target_lengths, targets_size, blank);
    validate_host(b);
    if (batch == 0) return;
    require(log_probs != nullptr && states != nullptr && path_log_probs != nullptr, "null argument");
    validate_finite_host(b, "log-probability");
    std::fill_n(states, int64_t{batch} * max_time, -1);
    parallel_for(batch, [&](int64_t i) {
      const CtcUtterance u = utterance_view(b, static_cast<int>(i), log_probs + i * b.batch_stride, b.time_stride);
      path_log_probs[i] = CTC4J_SIMD_DISPATCH(ctc_viterbi_utterance)(u, states + i * max_time);
    });
    for (int i = 0; i < batch; ++i) require_feasible(path_log_probs[i], b, i);
  });
}

}  // extern "C"
