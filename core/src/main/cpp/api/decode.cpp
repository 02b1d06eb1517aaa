// The decoding C API (ctc4j/decode.h) apart from the LM (api/lm.cpp): greedy and beam-search
// decoding, validated here and run on the CPU (cpu/decode_*.h) or a CUDA device (cuda_bridge/gpu_decode.h).
#include <cmath>
#include <string>
#include <vector>

#include "cpu/decode_beam.h"
#include "cpu/decode_greedy.h"
#include "cpu/decode_output.h"
#include "ctc4j/decode.h"
#include "cuda_bridge/gpu_decode.h"
#include "handles/beam_decoder.h"
#include "support/error.h"

using namespace ctc4j;

extern "C" {

int ctc4j_greedy_decode(int device, const float* emissions, const int64_t* lengths, int batch, int64_t max_frames,
                        int classes, int log_probs, int blank, float* scores, int32_t* hyp_lengths, int32_t* tokens,
                        int32_t* starts, int32_t* ends, float* confidence) {
  return guarded([&] {
    const EmissionsView e{emissions, lengths, batch, max_frames, classes, log_probs != 0, blank};
    const OutputView o{1, max_frames, scores, hyp_lengths, tokens, starts, ends, confidence};
    check_emissions(e, device == CTC4J_CPU);
    check_output(o, batch);
    if (batch == 0) return;
    std::vector<int32_t> best(static_cast<size_t>(batch * max_frames));
    std::vector<float> value(best.size());
    if (device == CTC4J_CPU) {
      cpu::argmax_frames(e, best.data(), value.data());
    } else {
      gpu::argmax_frames(e, device, best.data(), value.data());
    }
    cpu::write_best_paths(e, best.data(), value.data(), o);
  });
}

int ctc4j_beam_decoder_create(const char* labels, int classes, int blank, int space, const ctc4j_lm* lm, int lm_unit,
                              float alpha, float beta, float oov_log10, const char* lexicon, int n_lexicon,
                              const char* hotwords, const float* hotword_bonus, int n_hotwords,
                              ctc4j_beam_decoder** out) {
  return guarded([&] {
    *out = nullptr;
    *out = beam_decoder::create(labels, classes, blank, space, lm, lm_unit, alpha, beta, oov_log10, lexicon, n_lexicon,
                                hotwords, hotword_bonus, n_hotwords)
               .release();
  });
}

int ctc4j_beam_decoder_destroy(ctc4j_beam_decoder* decoder) {
  return guarded([&] { delete decoder; });
}

int ctc4j_beam_decode(const ctc4j_beam_decoder* d, int device, const float* emissions, const int64_t* lengths,
                      int batch, int64_t max_frames, int log_probs, int beam, int top_k, float token_min_log_prob,
                      float blank_skip_log_prob, int n_best, int32_t* hyp_count, float* scores, int32_t* hyp_lengths,
                      int32_t* tokens, int32_t* starts, int32_t* ends, float* confidence) {
  return guarded([&] {
    require(d != nullptr && hyp_count != nullptr, "null decoder or output");
    require(beam >= 1, "beam width must be at least 1, got " + std::to_string(beam));
    require(!std::isnan(token_min_log_prob) && !std::isnan(blank_skip_log_prob), "NaN pruning threshold");
    const EmissionsView e{emissions, lengths, batch, max_frames, d->classes, log_probs != 0, d->blank};
    const OutputView o{n_best, max_frames, scores, hyp_lengths, tokens, starts, ends, confidence};
    check_emissions(e, device == CTC4J_CPU);
    check_output(o, batch);
    const SearchSettings settings{beam, top_k, n_best, token_min_log_prob, blank_skip_log_prob};
    if (device == CTC4J_CPU) {
      cpu::beam_decode(*d, e, settings, o, hyp_count);
    } else {
      gpu::beam_decode(*d, device, e, settings, o, hyp_count);
    }
  });
}

}  // extern "C"
