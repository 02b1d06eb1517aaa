// Greedy (best path) CTC decoding: the most probable class per frame, repeats collapsed, blanks
// dropped. The per-frame argmax runs where the emissions are (CPU or CUDA); the collapse on the CPU.
#include <cmath>

#include "common/decode_math.h"
#include "cpu/cuda_backend.h"
#include "cpu/decode_output.h"
#include "cpu/error.h"
#include "cpu/parallel.h"
#include "ctc4j/decode.h"
#include "cuda_api/decode.h"

using namespace ctc4j;

namespace {

void argmax_frames(const float* u, int64_t frames, int classes, int32_t* best, float* value) {
  for (int64_t t = 0; t < frames; ++t) {
    const float* row = u + t * classes;
    int32_t arg = 0;
    for (int c = 1; c < classes; ++c) {
      if (row[c] > row[arg]) arg = c;
    }
    best[t] = arg;
    value[t] = row[arg];
  }
}

}  // namespace

extern "C" int ctc4j_greedy_decode(int device, const float* emissions, const int64_t* lengths, int batch,
                                   int64_t max_frames, int classes, int log_probs, int blank, float* scores,
                                   int32_t* hyp_lengths, int32_t* tokens, int32_t* starts, int32_t* ends,
                                   float* confidence) {
  return guarded([&] {
    const EmissionsView e{emissions, lengths, batch, max_frames, classes, log_probs != 0, blank};
    const OutputView o{1, max_frames, scores, hyp_lengths, tokens, starts, ends, confidence};
    check_emissions(e, device == CTC4J_CPU);
    check_output(o, batch);
    if (batch == 0) return;
    std::vector<int32_t> best(static_cast<size_t>(batch * max_frames));
    std::vector<float> value(best.size());
    if (device == CTC4J_CPU) {
      parallel_for(batch, [&](int64_t b) {
        const int64_t at = b * max_frames;
        argmax_frames(emissions + at * classes, lengths[b], classes, best.data() + at, value.data() + at);
      });
    } else {
      cuda::require_device(device);
      check_device_emissions(e, device);
      CTC4J_CUDA_CALL(ctc4jcu_argmax_frames, device, emissions, lengths, batch, max_frames, classes, best.data(),
                      value.data());
    }
    parallel_for(batch, [&](int64_t b) {
      const int64_t at = b * max_frames;
      FramePath path{{best.data() + at, best.data() + at + lengths[b]}, {}};
      ScoredTokens hyp{0.0f, 0.0f, 0.0f, {}};
      for (int64_t t = 0; t < lengths[b]; ++t) {
        path.log_probs.push_back(emission_log_prob(value[at + t], log_probs != 0));
        hyp.acoustic += path.log_probs.back();
        if (path.classes[t] != blank && (t == 0 || path.classes[t - 1] != path.classes[t])) {
          hyp.tokens.push_back(path.classes[t]);
        }
      }
      hyp.total = hyp.acoustic;
      write_hypothesis(o, static_cast<int>(b), 0, hyp, path, blank);
    });
  });
}
