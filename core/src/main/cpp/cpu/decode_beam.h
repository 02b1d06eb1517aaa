// The CPU prefix beam search (include/ctc4j/decode.h) over validated emissions.
#pragma once
#include <cstdint>
#include <vector>

#include "cpu/decode_output.h"
#include "handles/beam_decoder.h"

namespace ctc4j::cpu {

// Searches every utterance, one per task, and writes its n-best with token frames and confidences.
void beam_decode(const ctc4j_beam_decoder& d, const EmissionsView& e, const SearchSettings& settings,
                 const OutputView& o, int32_t* hyp_count);

// The n-best hypotheses of one utterance, with token frames and confidences from their best
// alignments, written as rank 0.. of utterance b. lp is [frames, width]: every class, or when
// `columns` is set, the classes it lists (ascending, blank among them) in that order.
void write_hypotheses(const ctc4j_beam_decoder& d, const float* lp, int64_t frames,
                      const std::vector<int32_t>* columns, int b, const std::vector<ScoredTokens>& found,
                      const OutputView& o);

}  // namespace ctc4j::cpu
