#include "handles/packed_weights.h"

#include <string>

#include "cpu/nn_packed.h"
#include "support/error.h"
#include "support/host_memory.h"

namespace ctc4j::packed_weights {
namespace {

void release(float* p) { host::release_block(p); }

}  // namespace

std::unique_ptr<ctc4j_nn_packed_weights> create(const float* w, int64_t rows, int64_t cols, int64_t kernel,
                                                int64_t groups) {
  require(rows > 0 && cols > 0, "packed weight sizes must be positive, got " + std::to_string(rows) + " x " +
                                    std::to_string(cols));
  require(kernel > 0 && cols % kernel == 0,
          "a kernel of " + std::to_string(kernel) + " must divide the " + std::to_string(cols) + " columns");
  require(groups > 0 && rows % groups == 0,
          std::to_string(groups) + " groups must divide the " + std::to_string(rows) + " rows");
  require(w != nullptr, "null weights to pack");
  auto p = std::make_unique<ctc4j_nn_packed_weights>();
  p->rows = rows, p->cols = cols, p->kernel = kernel, p->groups = groups;
  const int64_t group_rows = rows / groups, group_floats = cpu::packed_floats(cols, group_rows);
  p->panels = {static_cast<float*>(host::block(groups * group_floats * sizeof(float))), &release};
  for (int64_t g = 0; g < groups; ++g) {
    cpu::pack_panels(w + g * group_rows * cols, cols, group_rows, true, kernel, p->panels.get() + g * group_floats);
  }
  return p;
}

void require_shape(const ctc4j_nn_packed_weights& p, int64_t rows, int64_t cols, int64_t kernel, int64_t groups,
                   const char* what) {
  const auto shape = [](int64_t r, int64_t c, int64_t k, int64_t g) {
    return std::to_string(r) + " x " + std::to_string(c) + (k > 1 ? " (kernel " + std::to_string(k) + ")" : "") +
           (g > 1 ? " in " + std::to_string(g) + " groups" : "");
  };
  require(p.rows == rows && p.cols == cols && p.kernel == kernel && p.groups == groups,
          std::string("packed ") + what + " is " + shape(p.rows, p.cols, p.kernel, p.groups) + ", the layer needs " +
              shape(rows, cols, kernel, groups));
}

}  // namespace ctc4j::packed_weights
