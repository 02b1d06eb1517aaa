// Per-element optimiser updates shared by the CPU and CUDA kernels (torch.optim semantics).
#pragma once
#include <math.h>

#include "common/hd.h"

namespace ctc4j {

struct SgdSettings {
  float lr, momentum, weight_decay;
  int nesterov, first_step;
};

CTC4J_HD void sgd_update(float& param, float grad, float& buffer, const SgdSettings& s) {
  float d = grad + s.weight_decay * param;
  if (s.momentum != 0.0f) {
    buffer = s.first_step ? d : s.momentum * buffer + d;
    d = s.nesterov ? d + s.momentum * buffer : buffer;
  }
  param -= s.lr * d;
}

struct AdamSettings {
  float lr, beta1, beta2, eps, weight_decay;
  int decoupled;
  float step_size;       // lr / (1 - beta1^t)
  float bias2_sqrt_inv;  // 1 / sqrt(1 - beta2^t)
};

inline AdamSettings adam_settings(float lr, float beta1, float beta2, float eps, float weight_decay, int decoupled,
                                  long long step) {
  const double c1 = 1.0 - pow(double(beta1), double(step)), c2 = 1.0 - pow(double(beta2), double(step));
  return {lr, beta1, beta2, eps, weight_decay, decoupled, float(lr / c1), float(1.0 / sqrt(c2))};
}

CTC4J_HD void adam_update(float& param, float grad, float& m, float& v, const AdamSettings& s) {
  if (s.decoupled) {
    param *= 1.0f - s.lr * s.weight_decay;
  } else {
    grad += s.weight_decay * param;
  }
  m = s.beta1 * m + (1.0f - s.beta1) * grad;
  v = s.beta2 * v + (1.0f - s.beta2) * grad * grad;
  param -= s.step_size * m / (sqrtf(v) * s.bias2_sqrt_inv + s.eps);
}

}  // namespace ctc4j
