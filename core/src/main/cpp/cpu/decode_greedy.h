// Greedy (best path) CTC decoding on the CPU: the per-frame argmax of host emissions, and the
// collapse of best paths (from either device) into hypotheses.
#pragma once
#include <cstdint>

#include "cpu/decode_output.h"

namespace ctc4j::cpu {

// best and value [batch, max_frames]: per valid frame, the most probable class and its value.
void argmax_frames(const EmissionsView& e, int32_t* best, float* value);

// Hypothesis 0 of every utterance from its best path: repeats collapsed, blanks dropped, the score
// the path's log-probability (LM 0).
void write_best_paths(const EmissionsView& e, const int32_t* best, const float* value, const OutputView& o);

}  // namespace ctc4j::cpu
