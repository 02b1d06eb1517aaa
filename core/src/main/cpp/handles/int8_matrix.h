// The object behind ctc4j_int8_matrix (include/ctc4j/quant.h): int8 weights [rows, cols] packed in the
// kernels' panels (cpu/int8_kernel.h), and one scale per row.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "cpu/int8_kernel.h"

struct ctc4j_int8_matrix {
  int64_t rows = 0, cols = 0, groups = 0;  // groups: cols in whole groups of four
  std::unique_ptr<int8_t, void (*)(int8_t*)> packed{nullptr, nullptr};  // a 64-byte aligned host block
  std::vector<int32_t> channel_sums;  // [int8_panels(rows) * kInt8Panel]: each row's sum of weights
  std::vector<float> scales;
};

namespace ctc4j::int8_matrix {

// Packs q [rows, cols] (values in [-127, 127], validated) and copies scales [rows].
std::unique_ptr<ctc4j_int8_matrix> create(const int8_t* q, const float* scales, int64_t rows, int64_t cols);
// The packed weights as the product kernels take them.
ctc4j::Int8Panels panels(const ctc4j_int8_matrix& m);
// q [rows, cols] and scales [rows] back out; either may be null.
void values(const ctc4j_int8_matrix& m, int8_t* q, float* scales);

}  // namespace ctc4j::int8_matrix
