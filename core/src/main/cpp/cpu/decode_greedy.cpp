// Greedy (best path) CTC decoding: the most probable class per frame, repeats collapsed, blanks
// dropped. The per-frame argmax runs where the emissions are (here, or cuda/decode_greedy.cu); the
// collapse here.
#include "cpu/decode_greedy.h"

#include "common/decode_math.h"
#include "support/parallel.h"

namespace ctc4j::cpu {

void argmax_frames(const EmissionsView& e, int32_t* best, float* value) {
  parallel_for(e.batch, [&](int64_t b) {
    const int64_t at = b * e.max_frames;
    const float* u = e.data + at * e.classes;
    for (int64_t t = 0; t < e.lengths[b]; ++t) {
      const float* row = u + t * e.classes;
      int32_t arg = 0;
      for (int c = 1; c < e.classes; ++c) {
        if (row[c] > row[arg]) arg = c;
      }
      best[at + t] = arg;
      value[at + t] = row[arg];
    }
  });
}

void write_best_paths(const EmissionsView& e, const int32_t* best, const float* value, const OutputView& o) {
  parallel_for(e.batch, [&](int64_t b) {
    const int64_t at = b * e.max_frames;
    FramePath path{{best + at, best + at + e.lengths[b]}, {}};
    ScoredTokens hyp{0.0f, 0.0f, 0.0f, {}};
    for (int64_t t = 0; t < e.lengths[b]; ++t) {
      path.log_probs.push_back(emission_log_prob(value[at + t], e.log_probs));
      hyp.acoustic += path.log_probs.back();
      if (path.classes[t] != e.blank && (t == 0 || path.classes[t - 1] != path.classes[t])) {
        hyp.tokens.push_back(path.classes[t]);
      }
    }
    hyp.total = hyp.acoustic;
    write_hypothesis(o, static_cast<int>(b), 0, hyp, path, e.blank);
  });
}

}  // namespace ctc4j::cpu
