// The ABI shared by libctc4j_cpu and libctc4j_cuda. C++ structs cross between them by pointer, so
// the two must be built from the same sources: each exports this fingerprint and the CPU library
// refuses a CUDA library whose fingerprint differs (cuda_bridge/loader.cpp). The fingerprint mixes a
// hand-kept version (bump it when a crossing struct changes meaning without changing size) with the
// size of every crossing struct, so most layout changes are caught without anyone remembering.
#pragma once
#include <stdint.h>

#include "common/ctc.h"
#include "common/mel_plan.h"
#include "common/ngram.h"
#include "common/optim.h"
#include "common/prefix_search.h"
#include "common/conv_geometry.h"
#include "common/permute.h"
#include "ctc4j/nn.h"
#include "cuda_bridge/exports/decode.h"
#include "cuda_bridge/exports/rnn.h"

namespace ctc4j {

constexpr uint64_t kAbiVersion = 1;

constexpr uint64_t abi_fingerprint() {
  const uint64_t sizes[] = {sizeof(CtcBatch),      sizeof(MelPlanView),  sizeof(NgramEntry),   sizeof(NgramTableView),
                            sizeof(TrieEdge),      sizeof(WordModel),    sizeof(Prefix),       sizeof(BeamSearchConfig),
                            sizeof(SgdSettings),   sizeof(AdamSettings), sizeof(ColumnGather), sizeof(RnnLayerShape),
                            sizeof(RnnLayerData),  sizeof(PermuteGeometry),
                            sizeof(ConvGeometry),  sizeof(ctc4j_nn_batch_norm), sizeof(ctc4j_nn_layer_norm),
                            sizeof(void*)};
  uint64_t h = 1469598103934665603ull ^ kAbiVersion;  // FNV-1a over the version and the sizes
  for (uint64_t s : sizes) h = (h ^ s) * 1099511628211ull;
  return h;
}

}  // namespace ctc4j
