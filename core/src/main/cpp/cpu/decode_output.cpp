#include "cpu/decode_output.h"

#include <cmath>
#include <string>

#include "common/decode_math.h"
#include "support/error.h"
#include "support/scratch.h"

namespace ctc4j {

[[noreturn]] void throw_invalid_emission(const EmissionsView& e, int64_t index, float v) {
  const int64_t row = index / e.classes;
  throw Error(CTC4J_INVALID_ARGUMENT, "utterance " + std::to_string(row / e.max_frames) + ", frame " +
                                          std::to_string(row % e.max_frames) + ", class " +
                                          std::to_string(index % e.classes) + ": " + std::to_string(v) +
                                          " is not a " + (e.log_probs ? "log-probability" : "probability"));
}

void check_emissions(const EmissionsView& e, bool values_on_host) {
  require(e.batch >= 0 && e.max_frames >= 0, "negative batch or frame count");
  require(e.classes >= 2, "need at least 2 classes (blank and one token), got " + std::to_string(e.classes));
  require(e.blank >= 0 && e.blank < e.classes,
          "blank index " + std::to_string(e.blank) + " outside [0, " + std::to_string(e.classes) + ")");
  require(e.lengths != nullptr && (e.batch == 0 || e.data != nullptr), "null emissions or lengths");
  for (int b = 0; b < e.batch; ++b) {
    require(e.lengths[b] >= 0 && e.lengths[b] <= e.max_frames,
            "utterance " + std::to_string(b) + ": length " + std::to_string(e.lengths[b]) + " outside [0, " +
                std::to_string(e.max_frames) + "]");
    if (!values_on_host) continue;
    const int64_t first = b * e.max_frames * e.classes;
    for (int64_t i = 0; i < e.lengths[b] * e.classes; ++i) {
      if (!valid_emission(e.data[first + i], e.log_probs)) throw_invalid_emission(e, first + i, e.data[first + i]);
    }
  }
}

void check_output(const OutputView& o, int batch) {
  require(o.n_best >= 1, "n_best must be at least 1, got " + std::to_string(o.n_best));
  require(batch == 0 || (o.scores && o.lengths && o.tokens && o.starts && o.ends && o.confidence),
          "null output array");
}

const float* utterance_log_probs(const EmissionsView& e, int b, std::vector<float>& scratch) {
  const float* u = e.data + b * e.max_frames * e.classes;
  if (e.log_probs) return u;
  const int64_t n = e.lengths[b] * e.classes;
  scratch.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) scratch[i] = std::log(u[i]);
  return scratch.data();
}

void viterbi_path(const float* lp, int64_t frames, int classes, int blank, const std::vector<int32_t>& tokens,
                  FramePath& path) {
  const int64_t states = 2 * static_cast<int64_t>(tokens.size()) + 1;
  auto label = [&](int64_t s) { return s % 2 == 0 ? blank : tokens[s / 2]; };
  std::vector<float> prev(states, -INFINITY), cur(states);
  ScratchFrame scratch;
  uint8_t* back = scratch.take<uint8_t>(static_cast<size_t>(frames * states));  // backpointers [frames, states]
  std::fill_n(back, frames * states, uint8_t{0});
  prev[0] = lp[blank];
  if (states > 1) prev[1] = lp[tokens[0]];
  for (int64_t t = 1; t < frames; ++t) {
    const float* row = lp + t * classes;
    for (int64_t s = 0; s < states; ++s) {
      float best = prev[s];
      uint8_t step = 0;
      if (s >= 1 && prev[s - 1] > best) best = prev[s - 1], step = 1;
      if (s >= 2 && s % 2 == 1 && tokens[s / 2] != tokens[s / 2 - 1] && prev[s - 2] > best) best = prev[s - 2], step = 2;
      cur[s] = best + row[label(s)];
      back[t * states + s] = step;
    }
    prev.swap(cur);
  }
  int64_t s = states - 1;
  if (states > 1 && prev[states - 2] > prev[states - 1]) s = states - 2;
  path.classes.resize(static_cast<size_t>(frames));
  path.log_probs.resize(static_cast<size_t>(frames));
  for (int64_t t = frames - 1; t >= 0; --t) {
    path.classes[t] = label(s);
    path.log_probs[t] = lp[t * classes + label(s)];
    s -= back[t * states + s];
  }
}


void write_hypothesis(const OutputView& o, int b, int rank, const ScoredTokens& h, const FramePath& path, int blank) {
  const int64_t slot = static_cast<int64_t>(b) * o.n_best + rank;
  o.scores[3 * slot] = h.total;
  o.scores[3 * slot + 1] = h.acoustic;
  o.scores[3 * slot + 2] = h.lm;
  o.lengths[slot] = static_cast<int32_t>(h.tokens.size());
  if (h.tokens.empty()) return;
  const int64_t base = slot * o.max_frames, frames = static_cast<int64_t>(path.classes.size());
  int64_t k = -1;
  double mass = 0;
  auto finish = [&] { o.confidence[base + k] = static_cast<float>(mass / (o.ends[base + k] - o.starts[base + k] + 1)); };
  for (int64_t t = 0; t < frames; ++t) {
    const int32_t c = path.classes[t];
    if (c == blank) continue;
    if (t == 0 || path.classes[t - 1] != c) {  // a new token starts
      if (k >= 0) finish();
      ++k;
      o.tokens[base + k] = c;
      o.starts[base + k] = static_cast<int32_t>(t);
      mass = 0;
    }
    o.ends[base + k] = static_cast<int32_t>(t);
    mass += std::exp(path.log_probs[t]);
  }
  if (k >= 0) finish();
  // A path whose scores all reached -inf (finite emissions near -3e38 summed over frames) spells nothing:
  // refuse it rather than leave token slots unwritten.
  require(k + 1 == static_cast<int64_t>(h.tokens.size()),
          "utterance " + std::to_string(b) + ": no alignment of hypothesis " + std::to_string(rank) +
              " has a finite score (emissions too close to -inf)");
}

}  // namespace ctc4j
