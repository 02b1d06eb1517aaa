// Per-element math of the transformer blocks, shared by the CPU and CUDA kernels.
#pragma once

#include "common/fast_math.h"
#include "common/hd.h"
#include "common/nn_math.h"

namespace ctc4j {

// One block of an online softmax row: with the running maximum `max` and the new block's maximum
// `block_max`, the factor that rescales what was accumulated so far (0 for the first block).
CTC4J_HD float online_softmax_rescale(float max, float block_max) {
  return max < block_max ? fast_exp(max - block_max) : 1.0f;
}

}  // namespace ctc4j
