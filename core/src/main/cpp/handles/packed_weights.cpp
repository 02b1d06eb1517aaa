#include "handles/packed_weights.h"

#include <string>

#include "cpu/nn_packed.h"
#include "support/error.h"
#include "support/host_memory.h"

namespace ctc4j::packed_weights {
namespace {

void release(float* p) { host::release_block(p); }

}  // namespace

std::unique_ptr<ctc4j_nn_packed_weights> create(const float* w, int64_t rows, int64_t cols) {
  require(rows > 0 && cols > 0, "packed weight sizes must be positive, got " + std::to_string(rows) + " x " +
                                    std::to_string(cols));
  require(w != nullptr, "null weights to pack");
  auto p = std::make_unique<ctc4j_nn_packed_weights>();
  p->rows = rows, p->cols = cols;
  p->panels = {static_cast<float*>(host::block(cpu::packed_floats(cols, rows) * sizeof(float))), &release};
  cpu::pack_panels(w, cols, rows, true, p->panels.get());
  return p;
}

}  // namespace ctc4j::packed_weights
