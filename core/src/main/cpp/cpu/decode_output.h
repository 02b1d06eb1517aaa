// What the decoders share (CPU, and the host half of the GPU paths): input validation, per-utterance log-probabilities, and writing
// hypotheses with per-token frames and confidences into the caller's arrays (include/ctc4j/decode.h).
#pragma once
#include <cstdint>
#include <vector>

namespace ctc4j {

struct EmissionsView {
  const float* data;  // [batch, max_frames, classes]
  const int64_t* lengths;
  int batch;
  int64_t max_frames;
  int classes;
  bool log_probs;
  int blank;
};

struct OutputView {
  int n_best;
  int64_t max_frames;
  float* scores;  // [batch, n_best, 3]
  int32_t* lengths;
  int32_t* tokens;
  int32_t* starts;
  int32_t* ends;
  float* confidence;
};

// The frame-independent settings of one beam search (see ctc4j_decode_beam).
struct SearchSettings {
  int beam, top_k, n_best;
  float token_min_log_prob, blank_skip_log_prob;
};

struct ScoredTokens {
  float total, acoustic, lm;
  std::vector<int32_t> tokens;
};

// Checks shapes, lengths, the blank index and that every valid value is a finite log-probability
// (or a probability in [0, 1]); names the offending utterance and frame. Values on a device are
// not read: check_device_emissions checks them there, with the same message.
void check_emissions(const EmissionsView& e, bool values_on_host);
// The message of check_emissions for the value at index (b * max_frames + t) * classes + c.
[[noreturn]] void throw_invalid_emission(const EmissionsView& e, int64_t index, float value);
void check_output(const OutputView& o, int batch);

// Utterance b's frames as natural-log probabilities [frames, classes] (a view when already log).
const float* utterance_log_probs(const EmissionsView& e, int b, std::vector<float>& scratch);

// An alignment: the class of every frame and its log-probability.
struct FramePath {
  std::vector<int32_t> classes;
  std::vector<float> log_probs;
};

// The most probable alignment of `tokens` to the frames (Viterbi); the tokens must be feasible.
void viterbi_path(const float* log_probs, int64_t frames, int classes, int blank, const std::vector<int32_t>& tokens,
                  FramePath& path);

// Writes hypothesis `rank` of utterance b: its scores, and each token's frames (a run of the path)
// and confidence (the mean posterior over the run).
void write_hypothesis(const OutputView& o, int b, int rank, const ScoredTokens& h, const FramePath& path, int blank);

}  // namespace ctc4j
