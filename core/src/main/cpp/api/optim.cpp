// The optimiser C API (ctc4j/optim.h): validates, then runs on the CPU (cpu/optim.h) or hands the
// update to the CUDA library.
#include <string>

#include "cpu/optim.h"
#include "ctc4j/optim.h"
#include "cuda_bridge/exports/optim.h"
#include "cuda_bridge/loader.h"
#include "support/error.h"

using namespace ctc4j;

namespace {

void check_tensor(const void* p, int64_t n, const char* what) {
  require(n >= 0, std::string(what) + ": negative element count " + std::to_string(n));
  require(n == 0 || p != nullptr, std::string(what) + " is null");
}

}  // namespace

extern "C" {

ctc4j_optim_sgd_options ctc4j_optim_default_sgd_options(void) {
  return ctc4j_optim_sgd_options{1e-3f, 0.0f, 0.0f, 0};
}

ctc4j_optim_adam_options ctc4j_optim_default_adam_options(void) {
  return ctc4j_optim_adam_options{1e-3f, 0.9f, 0.999f, 1e-8f, 0.0f, 0};
}

int ctc4j_optim_sgd_step(int device, const ctc4j_optim_sgd_options* options, float* param, const float* grad,
                         float* buffer, int64_t n, int first_step) {
  return guarded([&] {
    require(options != nullptr, "null SGD options");
    const float lr = options->lr, momentum = options->momentum, weight_decay = options->weight_decay;
    const int nesterov = options->nesterov;
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
    cpu::sgd_step(param, grad, buffer, n, s);
  });
}

int ctc4j_optim_adam_step(int device, const ctc4j_optim_adam_options* options, float* param, const float* grad, float* m,
                          float* v, int64_t n, int64_t step) {
  return guarded([&] {
    require(options != nullptr, "null Adam options");
    const float lr = options->lr, beta1 = options->beta1, beta2 = options->beta2, eps = options->eps;
    const float weight_decay = options->weight_decay;
    const int decoupled = options->decoupled;
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
    cpu::adam_step(param, grad, m, v, n, s);
  });
}

int ctc4j_optim_sum_squares(int device, const float* x, int64_t n, double* out) {
  return guarded([&] {
    check_tensor(x, n, "x");
    if (device != CTC4J_CPU) {
      cuda::require_device(device);
      CTC4J_CUDA_CALL(ctc4jcu_sum_squares, device, x, n, out);
      return;
    }
    *out = cpu::sum_squares(x, n);
  });
}

int ctc4j_optim_scale(int device, float* x, int64_t n, float factor) {
  return guarded([&] {
    check_tensor(x, n, "x");
    if (device != CTC4J_CPU) {
      cuda::require_device(device);
      CTC4J_CUDA_CALL(ctc4jcu_scale, device, x, n, factor);
      return;
    }
    cpu::scale(x, n, factor);
  });
}

}  // extern "C"
