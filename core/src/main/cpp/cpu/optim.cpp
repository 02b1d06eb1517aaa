// Optimiser updates on the CPU: the shared per-element math over chunks, in parallel.
#include "cpu/optim.h"

#include <algorithm>
#include <vector>

#include "support/parallel.h"

namespace ctc4j::cpu {
namespace {

constexpr int64_t kChunk = 1 << 15;

}  // namespace

void sgd_step(float* param, const float* grad, float* buffer, int64_t n, const SgdSettings& s) {
  parallel_chunks(n, kChunk, [&](int64_t b, int64_t e) {
    float unused = 0.0f;
    for (int64_t i = b; i < e; ++i) sgd_update(param[i], grad[i], buffer ? buffer[i] : unused, s);
  });
}

void adam_step(float* param, const float* grad, float* m, float* v, int64_t n, const AdamSettings& s) {
  parallel_chunks(n, kChunk, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) adam_update(param[i], grad[i], m[i], v[i], s);
  });
}

double sum_squares(const float* x, int64_t n) {
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  std::vector<double> partial(chunks);  // fixed chunking: the sum does not depend on the thread count
  parallel_for(chunks, [&](int64_t c) {
    double acc = 0.0;
    for (int64_t i = c * kChunk; i < std::min(n, (c + 1) * kChunk); ++i) acc += double(x[i]) * x[i];
    partial[c] = acc;
  });
  double total = 0.0;
  for (double p : partial) total += p;
  return total;
}

void scale(float* x, int64_t n, float factor) {
  parallel_chunks(n, kChunk, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) x[i] *= factor;
  });
}

}  // namespace ctc4j::cpu
