// The host halves of decoding on a CUDA device: the device checks the emissions, takes the
// per-frame argmax and runs the beam search (cuda/decode_*.cu); the host aligns the hypotheses.
#pragma once
#include <cstdint>

#include "cpu/decode_output.h"
#include "handles/beam_decoder.h"

namespace ctc4j::gpu {

// check_emissions's value checks for emissions on `device`, with the same messages.
void check_emissions(const EmissionsView& e, int device);

// best and value [batch, max_frames] (host arrays) from emissions on `device`.
void argmax_frames(const EmissionsView& e, int device, int32_t* best, float* value);

// The beam search of emissions on `device`; the n-best are aligned on the host as on the CPU.
void beam_decode(const ctc4j_beam_decoder& d, int device, const EmissionsView& e, const SearchSettings& settings,
                 const OutputView& o, int32_t* hyp_count);

}  // namespace ctc4j::gpu
