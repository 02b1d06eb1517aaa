// The decoding C API (ctc4j/decode.h) apart from the LM (api/lm.cpp): greedy and beam-search
// decoding, validated here and run on the CPU (cpu/decode_*.h) or a CUDA device (cuda_bridge/gpu_decode.h).
#include <algorithm>
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

namespace {

EmissionsView emissions_view(const ctc4j_decode_emissions* in, int blank) {
  require(in != nullptr, "null emissions");
  return EmissionsView{in->data, in->lengths, in->batch, in->max_frames, in->classes, in->log_probs != 0, blank};
}

OutputView output_view(const ctc4j_decode_hypotheses* out, int64_t max_frames) {
  require(out != nullptr, "null hypotheses");
  return OutputView{out->n_best, max_frames, out->scores, out->lengths, out->tokens, out->starts, out->ends,
                    out->confidence};
}

}  // namespace

extern "C" {

ctc4j_decode_emissions ctc4j_decode_default_emissions(void) {
  return ctc4j_decode_emissions{nullptr, nullptr, 0, 0, 0, 1};
}

ctc4j_decode_hypotheses ctc4j_decode_default_hypotheses(void) {
  return ctc4j_decode_hypotheses{1, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr};
}

ctc4j_beam_decoder_config ctc4j_beam_decoder_default_config(void) {
  return ctc4j_beam_decoder_config{nullptr, 0, 0, -1, nullptr, CTC4J_LM_WORD, 0.0f, 0.0f, -10.0f,
                                   nullptr, 0, nullptr, nullptr, 0};
}

ctc4j_decode_beam_options ctc4j_decode_default_beam_options(void) {
  return ctc4j_decode_beam_options{32, 0, -INFINITY, INFINITY};
}

int ctc4j_decode_greedy(int device, const ctc4j_decode_emissions* emissions, int blank,
                        const ctc4j_decode_hypotheses* out) {
  return guarded([&] {
    const EmissionsView e = emissions_view(emissions, blank);
    const OutputView o = output_view(out, e.max_frames);
    check_emissions(e, device == CTC4J_CPU);
    check_output(o, e.batch);
    if (e.batch == 0) return;
    std::vector<int32_t> best(static_cast<size_t>(e.batch * e.max_frames));
    std::vector<float> value(best.size());
    if (device == CTC4J_CPU) {
      cpu::argmax_frames(e, best.data(), value.data());
    } else {
      gpu::argmax_frames(e, device, best.data(), value.data());
    }
    cpu::write_best_paths(e, best.data(), value.data(), o);
    if (out->count != nullptr) std::fill_n(out->count, e.batch, 1);
  });
}

int ctc4j_beam_decoder_create(const ctc4j_beam_decoder_config* config, ctc4j_beam_decoder** out) {
  return guarded([&] {
    *out = nullptr;
    require(config != nullptr, "null decoder configuration");
    const ctc4j_beam_decoder_config& c = *config;
    *out = beam_decoder::create(c.labels, c.classes, c.blank, c.space, c.lm, c.lm_unit, c.alpha, c.beta, c.oov_log10,
                                c.lexicon, c.n_lexicon, c.hotwords, c.hotword_bonus, c.n_hotwords)
               .release();
  });
}

int ctc4j_beam_decoder_destroy(ctc4j_beam_decoder* decoder) {
  return guarded([&] { delete decoder; });
}

int ctc4j_decode_beam(const ctc4j_beam_decoder* d, int device, const ctc4j_decode_emissions* emissions,
                      const ctc4j_decode_beam_options* options, const ctc4j_decode_hypotheses* out) {
  return guarded([&] {
    require(d != nullptr && out != nullptr && out->count != nullptr, "null decoder or output");
    const ctc4j_decode_beam_options b = options != nullptr ? *options : ctc4j_decode_default_beam_options();
    require(b.beam >= 1, "beam width must be at least 1, got " + std::to_string(b.beam));
    require(!std::isnan(b.token_min_log_prob) && !std::isnan(b.blank_skip_log_prob), "NaN pruning threshold");
    const EmissionsView e = emissions_view(emissions, d->blank);
    if (e.classes != d->classes) {
      throw Error(CTC4J_INVALID_ARGUMENT, "the emissions have " + std::to_string(e.classes) +
                                              " classes, the decoder's labels " + std::to_string(d->classes));
    }
    const OutputView o = output_view(out, e.max_frames);
    check_emissions(e, device == CTC4J_CPU);
    check_output(o, e.batch);
    const SearchSettings settings{b.beam, b.top_k, o.n_best, b.token_min_log_prob, b.blank_skip_log_prob};
    if (device == CTC4J_CPU) {
      cpu::beam_decode(*d, e, settings, o, out->count);
    } else {
      gpu::beam_decode(*d, device, e, settings, o, out->count);
    }
  });
}

}  // extern "C"
