#include "handles/int8_matrix.h"

#include <algorithm>
#include <string>

#include "cpu/int8_kernel.h"
#include "support/error.h"
#include "support/host_memory.h"

namespace ctc4j::int8_matrix {
namespace {

int64_t packed_index(const ctc4j_int8_matrix& m, int64_t row, int64_t col) {
  const int64_t panel = row / kInt8Panel, channel = row % kInt8Panel, group = col / kInt8Group;
  return ((panel * m.groups + group) * kInt8Panel + channel) * kInt8Group + col % kInt8Group;
}

void release(int8_t* p) { host::release_block(p); }

}  // namespace

std::unique_ptr<ctc4j_int8_matrix> create(const int8_t* q, const float* scales, int64_t rows, int64_t cols) {
  require(rows > 0 && cols > 0, "int8 matrix sizes must be positive, got " + std::to_string(rows) + " x " +
                                    std::to_string(cols));
  require(q != nullptr && scales != nullptr, "null int8 matrix values or scales");
  auto m = std::make_unique<ctc4j_int8_matrix>();
  m->rows = rows, m->cols = cols, m->groups = int8_groups(cols);
  const size_t bytes = int8_panels(rows) * m->groups * kInt8Panel * kInt8Group;
  m->packed = {static_cast<int8_t*>(host::block(bytes)), &release};
  std::fill_n(m->packed.get(), bytes, int8_t{0});  // padding channels and columns multiply as zeros
  m->channel_sums.assign(int8_panels(rows) * kInt8Panel, 0);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) {
      const int8_t v = q[r * cols + c];
      require(v >= -127, "int8 weight " + std::to_string(v) + " at [" + std::to_string(r) + ", " +
                             std::to_string(c) + "] is outside [-127, 127]");
      m->packed.get()[packed_index(*m, r, c)] = v;
      m->channel_sums[r] += v;
    }
  }
  m->scales.assign(scales, scales + rows);
  return m;
}

Int8Panels panels(const ctc4j_int8_matrix& m) {
  return {m.packed.get(), m.channel_sums.data(), m.rows, m.groups};
}

void values(const ctc4j_int8_matrix& m, int8_t* q, float* scales) {
  if (scales != nullptr) std::copy(m.scales.begin(), m.scales.end(), scales);
  if (q == nullptr) return;
  for (int64_t r = 0; r < m.rows; ++r)
    for (int64_t c = 0; c < m.cols; ++c) q[r * m.cols + c] = m.packed.get()[packed_index(m, r, c)];
}

}  // namespace ctc4j::int8_matrix
