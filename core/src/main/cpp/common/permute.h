// Axis permutation of a row-major array (ctc4j_nn_permute): the geometry both backends walk.
#pragma once
#include <stdint.h>

#include "common/hd.h"

namespace ctc4j {

constexpr int kMaxPermuteRank = 6;

// y = x with its axes reordered: y's shape and, per y axis, x's stride along it. A row of y is its
// last axis; total is the element count.
struct PermuteGeometry {
  int32_t rank;
  int64_t out_shape[kMaxPermuteRank], stride[kMaxPermuteRank];
  int64_t total;

  CTC4J_HD int64_t inner() const { return out_shape[rank - 1]; }
  // x's offset of the first element of y's row `row` (row-major over y's axes but the last).
  CTC4J_HD int64_t row_source(int64_t row) const {
    int64_t offset = 0;
    for (int i = rank - 2; i >= 0; --i) offset += (row % out_shape[i]) * stride[i], row /= out_shape[i];
    return offset;
  }
};

}  // namespace ctc4j
