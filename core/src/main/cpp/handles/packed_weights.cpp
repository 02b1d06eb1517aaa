#include "handles/packed_weights.h"

#include <string>

#include "cpu/nn_packed.h"
#include "support/error.h"
#include "support/host_memory.h"

namespace ctc4j::packed_weights {
namespace {

void release(float* p) { host::release_block(p); }

}  // namespace

std::unique_ptr<ctc4j_nn_packed_weights> create(const float* w, int64_t rows, int64_t cols, int64_t kernel) {
  require(rows > 0 && cols > 0, "packed weight sizes must be positive, got " + std::to_string(rows) + " x " +
                                    std::to_string(cols));
  require(kernel > 0 && cols % kernel == 0,
          "a kernel of " + std::to_string(kernel) + " must divide the " + std::to_string(cols) + " columns");
  require(w != nullptr, "null weights to pack");
  auto p = std::make_unique<ctc4j_nn_packed_weights>();
  p->rows = rows, p->cols = cols, p->kernel = kernel;
  p->panels = {static_cast<float*>(host::block(cpu::packed_floats(cols, rows) * sizeof(float))), &release};
  cpu::pack_panels(w, cols, rows, true, kernel, p->panels.get());
  return p;
}

void require_shape(const ctc4j_nn_packed_weights& p, int64_t rows, int64_t cols, int64_t kernel, const char* what) {
  const auto shape = [](int64_t r, int64_t c, int64_t k) {
    return std::to_string(r) + " x " + std::to_string(c) + (k > 1 ? " (kernel " + std::to_string(k) + ")" : "");
  };
  require(p.rows == rows && p.cols == cols && p.kernel == kernel, std::string("packed ") + what + " is " +
                                                                      shape(p.rows, p.cols, p.kernel) +
                                                                      ", the layer needs " + shape(rows, cols, kernel));
}

}  // namespace ctc4j::packed_weights
