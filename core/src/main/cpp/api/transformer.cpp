// The transformer C API (ctc4j/transformer.h): validates, then runs on the CPU (cpu/transformer.h)
// or hands group norm, GELU and attention to the CUDA library.
#include <cmath>
#include <string>

#include "cpu/transformer.h"
#include "ctc4j/transformer.h"
#include "handles/packed_weights.h"
#include "cuda_bridge/exports/transformer.h"
#include "cuda_bridge/loader.h"
#include "support/error.h"

using namespace ctc4j;

extern "C" {

ctc4j_transformer_conv1d ctc4j_transformer_default_conv1d(void) {
  return ctc4j_transformer_conv1d{0, 0, 0, 0, 1, 0, 1, 0, nullptr, nullptr, nullptr};
}

ctc4j_transformer_group_norm ctc4j_transformer_default_group_norm(void) {
  return ctc4j_transformer_group_norm{0, 0, 1, nullptr, nullptr, 1e-5f, 0};
}

ctc4j_transformer_attention ctc4j_transformer_default_attention(void) {
  return ctc4j_transformer_attention{0, 0, 0, 1.0f, 0, 0, 0, 0};
}

int ctc4j_transformer_conv1d_steps(int64_t steps, int64_t kernel, int64_t stride, int64_t padding, int64_t* out_steps) {
  return guarded([&] { *out_steps = cpu::conv1d_steps(steps, kernel, stride, padding); });
}

int ctc4j_transformer_conv1d_forward(int device, const ctc4j_transformer_conv1d* conv, const float* x, float* y) {
  return guarded([&] {
    require(conv != nullptr, "null conv1d");
    const int64_t steps = conv->steps, in_channels = conv->in_channels, out_channels = conv->out_channels;
    const int64_t kernel = conv->kernel, stride = conv->stride, padding = conv->padding, groups = conv->groups;
    const int64_t out_steps = conv->out_steps;
    if (device != CTC4J_CPU) throw Error(CTC4J_UNAVAILABLE, "conv1d runs on the CPU only (no CUDA GEMM in this build)");
    require(in_channels > 0 && out_channels > 0, "conv1d channels must be positive");
    require(groups > 0 && in_channels % groups == 0 && out_channels % groups == 0,
            "conv1d groups " + std::to_string(groups) + " must divide the channels " + std::to_string(in_channels) +
                " -> " + std::to_string(out_channels));
    const int64_t full = cpu::conv1d_steps(steps, kernel, stride, padding);
    require(out_steps >= 0 && out_steps <= full,
            "conv1d out_steps " + std::to_string(out_steps) + " outside [0, " + std::to_string(full) + "]");
    const ctc4j_nn_packed_weights* packed = conv->w_packed;
    if (packed != nullptr) {
      packed_weights::require_shape(*packed, out_channels, in_channels / groups * kernel, kernel, groups,
                                    "conv1d weights");
    }
    cpu::conv1d(cpu::Conv1d{steps, in_channels, out_channels, kernel, stride, padding, groups, out_steps}, x, conv->w,
                packed == nullptr ? nullptr : packed->panels.get(), conv->bias, y);
  });
}

int ctc4j_transformer_group_norm_forward(int device, const ctc4j_transformer_group_norm* norm, const float* x,
                                        float* y) {
  return guarded([&] {
    require(norm != nullptr, "null group norm");
    const int64_t steps = norm->steps, channels = norm->channels, groups = norm->groups;
    const float* gamma = norm->gamma;
    const float* beta = norm->beta;
    const float eps = norm->eps;
    const int gelu = norm->gelu;
    require_sizes({steps});
    require(channels > 0 && groups > 0 && channels % groups == 0,
            "group norm: " + std::to_string(groups) + " groups must divide " + std::to_string(channels) + " channels");
    require(eps >= 0.0f, "group norm eps must be non-negative");
    if (device != CTC4J_CPU) {
      cuda::require_device(device);
      CTC4J_CUDA_CALL(ctc4jcu_group_norm_time_major, device, x, steps, channels, groups, gamma, beta, eps, gelu, y);
      return;
    }
    cpu::group_norm(x, steps, channels, groups, gamma, beta, eps, gelu != 0, y);
  });
}

int ctc4j_transformer_gelu_forward(int device, const float* x, const float* residual, float* y, int64_t n) {
  return guarded([&] {
    require_sizes({n});
    if (device != CTC4J_CPU) {
      cuda::require_device(device);
      CTC4J_CUDA_CALL(ctc4jcu_gelu, device, x, residual, y, n);
      return;
    }
    cpu::gelu(x, residual, y, n);
  });
}

int ctc4j_transformer_attention_forward(int device, const ctc4j_transformer_attention* attention, const float* q,
                                      const float* k, const float* v, float* out) {
  return guarded([&] {
    require(attention != nullptr, "null attention");
    const int64_t steps = attention->steps, heads = attention->heads, head_dim = attention->head_dim;
    const float scale = attention->scale;
    const int64_t ld_q = attention->ld_q, ld_k = attention->ld_k, ld_v = attention->ld_v, ld_out = attention->ld_out;
    require_sizes({steps});
    require(heads > 0 && head_dim > 0, "attention needs positive heads and head_dim");
    const int64_t width = heads * head_dim;
    require(ld_q >= width && ld_k >= width && ld_v >= width && ld_out >= width,
            "attention row strides must hold heads * head_dim = " + std::to_string(width) + " values");
    require(std::isfinite(scale), "attention scale must be finite");
    if (device != CTC4J_CPU) {
      cuda::require_device(device);
      CTC4J_CUDA_CALL(ctc4jcu_attention, device, steps, heads, head_dim, scale, q, ld_q, k, ld_k, v, ld_v, out, ld_out);
      return;
    }
    cpu::attention(steps, heads, head_dim, scale, q, ld_q, k, ld_k, v, ld_v, out, ld_out);
  });
}

}  // extern "C"
