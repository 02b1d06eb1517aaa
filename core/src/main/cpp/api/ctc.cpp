// The CTC C API (ctc4j/ctc.h): validates a batch, then runs it on the CPU (cpu/ctc.h) or hands the
// loss to the CUDA library.
#include "ctc4j/ctc.h"

#include <algorithm>
#include <string>

#include "cpu/ctc.h"
#include "cuda_bridge/exports/ctc.h"
#include "cuda_bridge/loader.h"
#include "support/error.h"

using namespace ctc4j;

namespace {

CtcBatch make_batch(const ctc4j_ctc_batch* in) {
  require(in != nullptr, "null batch");
  const int layout = in->layout, max_time = in->max_time, batch = in->batch, alphabet = in->alphabet;
  const int blank = in->blank;
  require(layout == CTC4J_CTC_TIME_MAJOR || layout == CTC4J_CTC_BATCH_MAJOR, "unknown layout " + std::to_string(layout));
  require(max_time >= 0 && batch >= 0, "negative size: max_time " + std::to_string(max_time) + ", batch " +
                                           std::to_string(batch));
  require(alphabet >= 1, "the alphabet needs at least one class (the blank), got " + std::to_string(alphabet));
  require(blank >= 0 && blank < alphabet,
          "blank " + std::to_string(blank) + " outside the alphabet [0, " + std::to_string(alphabet) + ")");
  require(in->targets_size >= 0, "negative targets size " + std::to_string(in->targets_size));
  const bool time_major = layout == CTC4J_CTC_TIME_MAJOR;
  return CtcBatch{in->inputs,
                  time_major ? int64_t{batch} * alphabet : alphabet,
                  time_major ? alphabet : int64_t{max_time} * alphabet,
                  max_time,
                  batch,
                  alphabet,
                  blank,
                  in->input_lengths,
                  in->targets,
                  in->target_offsets,
                  in->target_lengths,
                  in->targets_size};
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

int64_t longest_target(const CtcBatch& b) {
  int64_t longest = 0;
  for (int i = 0; i < b.batch; ++i) longest = std::max(longest, b.target_lengths[i]);
  return longest;
}

}  // namespace

extern "C" {

ctc4j_ctc_batch ctc4j_ctc_default_batch(void) {
  return ctc4j_ctc_batch{nullptr, CTC4J_CTC_TIME_MAJOR, 0, 0, 0, nullptr, nullptr, nullptr, nullptr, 0, 0};
}

ctc4j_ctc_options ctc4j_ctc_default_options(void) { return ctc4j_ctc_options{CTC4J_CTC_LOG_PROBS, 0}; }

int ctc4j_ctc_loss(int device, const ctc4j_ctc_batch* batch, const ctc4j_ctc_options* options, float* losses,
                   const float* grad_scales, float* grad) {
  return guarded([&] {
    const CtcBatch b = make_batch(batch);
    const ctc4j_ctc_options o = options != nullptr ? *options : ctc4j_ctc_default_options();
    require(o.input_kind == CTC4J_CTC_LOG_PROBS || o.input_kind == CTC4J_CTC_ACTIVATIONS,
            "unknown input kind " + std::to_string(o.input_kind));
    validate_host(b);
    if (b.batch == 0) return;
    require(b.inputs != nullptr && losses != nullptr && (grad == nullptr || grad_scales != nullptr), "null argument");
    const bool activations = o.input_kind == CTC4J_CTC_ACTIVATIONS;
    const char* what = activations ? "activation" : "log-probability";
    if (device == CTC4J_CPU) {
      cpu::ctc_loss(b, activations, o.zero_infinity != 0, losses, grad_scales, grad, what);
    } else {
      cuda::require_device(device);
      CTC4J_CUDA_CALL(ctc4jcu_ctc_loss, &b, device, activations ? 1 : 0, o.zero_infinity, losses, grad_scales, grad);
    }
  });
}

int ctc4j_ctc_set_log_space_only(int on) {
  cpu::set_ctc_log_space_only(on != 0);
  return CTC4J_OK;
}

int ctc4j_ctc_posteriors(const ctc4j_ctc_batch* batch, float* posteriors, int64_t positions, double* log_likelihoods) {
  return guarded([&] {
    const CtcBatch b = make_batch(batch);
    validate_host(b);
    if (b.batch == 0) return;
    require(b.inputs != nullptr && posteriors != nullptr && log_likelihoods != nullptr, "null argument");
    require(positions >= 2 * longest_target(b) + 1,
            "posterior rows of " + std::to_string(positions) + " cannot hold " +
                std::to_string(2 * longest_target(b) + 1) + " extended positions");
    cpu::ctc_posteriors(b, posteriors, positions, log_likelihoods);
  });
}

int ctc4j_ctc_viterbi(const ctc4j_ctc_batch* batch, int32_t* states, double* path_log_probs) {
  return guarded([&] {
    const CtcBatch b = make_batch(batch);
    validate_host(b);
    if (b.batch == 0) return;
    require(b.inputs != nullptr && states != nullptr && path_log_probs != nullptr, "null argument");
    cpu::ctc_viterbi(b, states, path_log_probs);
  });
}

}  // extern "C"
