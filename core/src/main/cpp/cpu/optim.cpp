// Optimiser updates on the CPU: the shared per-element math over chunks, in parallel.
#include <algorithm>
#include <string>
#include <vector>

#include "common/optim.h"
#include "cpu/cuda_backend.h"
#include "cpu/error.h"
#include "cpu/parallel.h"
#include "ctc4j/optim.h"
#include "cuda_api/optim.h"

using namespace ctc4j;

namespace {

constexpr int64_t kChunk = 1 << 15;

// body(begin, end) over [0, n) in chunks, on the pool.
template <class Body>
void chunked(int64_t n, Body body) {
  parallel_for((n + kChunk - 1) / kChunk, [&](int64_t c) { body(c * kChunk, std::min(n, (c + 1) * kChunk)); });
}

void check_tensor(const void* p, int64_t n, const char* what) {
  require(n >= 0, std::string(what) + ": negative element count " + std::to_string(n));
  require(n == 0 || p != nullptr, std::string(what) + " is null");
}

}  // namespace

extern "C" {

int ctc4j_sgd_step(int device, float* param, const float* grad, float* buffer, int64_t n, float lr, float momentum,
                   float weight_decay, int nesterov, int first_step) {
  return guarded([&] {
    check_tensor(param, n, "param");
    check_tensor(grad, n, "grad");
    require(momentum == 0.0f || buffer != nullptr || n == 0, "momentum needs a buffer");
    require(!nesterov || momentum > 0.0f, "Nesterov momentum needs momentum > 0");
    const SgdSettings s{lr, momentum, weight_decay, nesterov, first_step};
    if (device != CTC4J_CPU) {
      cuda::require_device(device);
      CTC4J_CUDA_CALL(ctc4jcu_sgd_step, device, param, grad, buffer, n, s);
      return;
    }
    chunked(n, [&](int64_t b, int64_t e) {
      float unused = 0.0f;
      for (int64_t i = b; i < e; ++i) sgd_update(param[i], grad[i], buffer ? buffer[i] : unused, s);
    });
  });
}

int ctc4j_adam_step(int device, float* param, const float* grad, float* m, float* v, int64_t n, float lr, float beta1,
                    float beta2, float eps, float weight_decay, int decoupled, int64_t step) {
  return guarded([&] {
    check_tensor(param, n, "param");
    check_tensor(grad, n, "grad");
    check_tensor(m, n, "exp_avg");
    check_tensor(v, n, "exp_avg_sq");
    require(step >= 1, "Adam step counts from 1, got " + std::to_string(step));
    require(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1, "Adam betas must be in [0, 1)");
    const AdamSettings s = adam_settings(lr, beta1, beta2, eps, weight_decay, decoupled, step);
    if (device != CTC4J_CPU) {
      cuda::require_device(device);
      CTC4J_CUDA_CALL(ctc4jcu_adam_step, device, param, grad, m, v, n, s);
      return;
    }
    chunked(n, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) adam_update(param[i], grad[i], m[i], v[i], s);
    });
  });
}

int ctc4j_sum_squares(int device, const float* x, int64_t n, double* out) {
  return guarded([&] {
    check_tensor(x, n, "x");
    if (device != CTC4J_CPU) {
      cuda::require_device(device);
      CTC4J_CUDA_CALL(ctc4jcu_sum_squares, device, x, n, out);
      return;
    }
    const int64_t chunks = (n + kChunk - 1) / kChunk;
    std::vector<double> partial(chunks);  // fixed chunking: the sum does not depend on the thread count
    parallel_for(chunks, [&](int64_t c) {
      double acc = 0.0;
      for (int64_t i = c * kChunk; i < std::min(n, (c + 1) * kChunk); ++i) acc += double(x[i]) * x[i];
      partial[c] = acc;
    });
    double total = 0.0;
    for (double p : partial) total += p;
    *out = total;
  });
}

int ctc4j_scale(int device, float* x, int64_t n, float factor) {
  return guarded([&] {
    check_tensor(x, n, "x");
    if (device != CTC4J_CPU) {
      cuda::require_device(device);
      CTC4J_CUDA_CALL(ctc4jcu_scale, device, x, n, factor);
      return;
    }
    chunked(n, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) x[i] *= factor;
    });
  });
}

}  // extern "C"
