// The object behind ctc4j_nn_packed_weights (include/ctc4j/nn.h): float32 weights w [rows, cols] packed
// once as the B = w^T of the packed products (cpu/nn_packed.h), for inference passes that run on the
// same weights call after call.
#pragma once
#include <cstdint>
#include <memory>

struct ctc4j_nn_packed_weights {
  int64_t rows = 0, cols = 0, kernel = 1;  // kernel > 1: conv1d patches, packed kernel-major
  int64_t groups = 1;                      // rows / groups rows per matrix, packed one after another
  std::unique_ptr<float, void (*)(float*)> panels{nullptr, nullptr};  // a 64-byte aligned host block
};

namespace ctc4j::packed_weights {

// Packs w [rows, cols] (host memory) as `groups` matrices of rows / groups rows (a grouped conv1d's);
// kernel > 1: w is [rows, cols / kernel, kernel] (cpu::pack_panels).
std::unique_ptr<ctc4j_nn_packed_weights> create(const float* w, int64_t rows, int64_t cols, int64_t kernel,
                                                int64_t groups);
// Throws Error naming `what` unless p is rows x cols of kernel in groups.
void require_shape(const ctc4j_nn_packed_weights& p, int64_t rows, int64_t cols, int64_t kernel, int64_t groups,
                   const char* what);

}  // namespace ctc4j::packed_weights
