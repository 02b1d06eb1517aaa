// The neural-network C API (ctc4j/nn.h): validates, then runs the CPU layers (cpu/nn_layers.h,
// cpu/nn_rnn.h). CUDA devices are answered CTC4J_UNAVAILABLE until the GPU layers land.
#include <string>

#include "cpu/nn_blas.h"
#include "cpu/nn_layers.h"
#include "cpu/nn_rnn.h"
#include "ctc4j/nn.h"
#include "support/error.h"
#include "support/parallel.h"

using namespace ctc4j;

namespace {

void require_rnn(int cell, int64_t steps, int64_t batch, int64_t input, int64_t hidden, const int32_t* lengths) {
  require(cell == CTC4J_LSTM || cell == CTC4J_GRU, "unknown recurrent cell " + std::to_string(cell));
  require(steps >= 0 && batch >= 0 && input > 0 && hidden > 0,
          "bad recurrent sizes: steps " + std::to_string(steps) + ", batch " + std::to_string(batch) + ", input " +
              std::to_string(input) + ", hidden " + std::to_string(hidden));
  require(lengths != nullptr || batch == 0, "null lengths");
  for (int64_t b = 0; b < batch; ++b) {
    require(lengths[b] >= 0 && lengths[b] <= steps, "utterance " + std::to_string(b) + ": length " +
                                                        std::to_string(lengths[b]) + " outside [0, " +
                                                        std::to_string(steps) + "]");
  }
}

}  // namespace

extern "C" {

int ctc4j_nn_set_sgemm(void* cblas_sgemm) {
  return guarded([&] {
    require(cblas_sgemm != nullptr, "null sgemm address");
    nn::set_sgemm(cblas_sgemm);
  });
}

int ctc4j_nn_gemm(int device, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                  int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  return guarded([&] {
    nn::require_cpu(device);
    require(m >= 0 && n >= 0 && k >= 0, "negative gemm size");
    require(ldc >= n && lda >= (trans_a ? m : k) && ldb >= (trans_b ? k : n), "gemm leading dimension too small");
    nn::gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  });
}

int ctc4j_nn_add(int device, const float* a, const float* b, float* out, int64_t n) {
  return guarded([&] {
    nn::require_cpu(device);
    require_sizes({n});
    cpu::add(a, b, out, n);
  });
}

int ctc4j_nn_multiply(int device, const float* a, const float* b, float* out, int64_t n) {
  return guarded([&] {
    nn::require_cpu(device);
    require_sizes({n});
    cpu::multiply(a, b, out, n);
  });
}

int ctc4j_nn_sum_halves(int device, const float* x, int64_t rows, int64_t half, float* out) {
  return guarded([&] {
    nn::require_cpu(device);
    require_sizes({rows, half});
    cpu::sum_halves(x, rows, half, out);
  });
}

int ctc4j_nn_mask_frames(int device, float* x, int64_t batch, int64_t rows, int64_t steps, const int32_t* lengths) {
  return guarded([&] {
    nn::require_cpu(device);
    require_sizes({batch, rows, steps});
    for (int64_t b = 0; b < batch; ++b) {
      require(lengths[b] >= 0 && lengths[b] <= steps, "utterance " + std::to_string(b) + ": length " +
                                                          std::to_string(lengths[b]) + " outside [0, " +
                                                          std::to_string(steps) + "]");
    }
    cpu::mask_frames(x, batch, rows, steps, lengths);
  });
}

int ctc4j_nn_permute(int device, const float* x, int rank, const int64_t* shape, const int32_t* perm, float* y) {
  return guarded([&] {
    nn::require_cpu(device);
    require(rank >= 1 && rank <= 6, "permute supports ranks 1 to 6, got " + std::to_string(rank));
    cpu::permute(x, rank, shape, perm, y);
  });
}

int ctc4j_nn_linear_forward(int device, const float* x, int64_t rows, int64_t in, const float* w, const float* bias,
                            int64_t out, float* y) {
  return guarded([&] {
    nn::require_cpu(device);
    require_sizes({rows, in, out});
    cpu::linear_forward(x, rows, in, w, bias, out, y);
  });
}

int ctc4j_nn_linear_backward(int device, const float* x, int64_t rows, int64_t in, const float* w, int64_t out,
                             const float* dy, float* dx, float* dw, float* dbias) {
  return guarded([&] {
    nn::require_cpu(device);
    require_sizes({rows, in, out});
    cpu::linear_backward(x, rows, in, w, out, dy, dx, dw, dbias);
  });
}

int ctc4j_nn_conv2d_output(const int32_t* geometry, int64_t* out_height, int64_t* out_width) {
  return guarded([&] {
    const cpu::ConvGeometry g = cpu::conv_geometry(geometry);
    *out_height = g.out_h;
    *out_width = g.out_w;
  });
}

int ctc4j_nn_conv2d_forward(int device, const int32_t* geometry, const float* x, const float* w, const float* bias,
                            float* y) {
  return guarded([&] {
    nn::require_cpu(device);
    cpu::conv2d_forward(cpu::conv_geometry(geometry), x, w, bias, y);
  });
}

int ctc4j_nn_conv2d_backward(int device, const int32_t* geometry, const float* x, const float* w, const float* dy,
                             float* dx, float* dw, float* dbias) {
  return guarded([&] {
    nn::require_cpu(device);
    cpu::conv2d_backward(cpu::conv_geometry(geometry), x, w, dy, dx, dw, dbias);
  });
}

int ctc4j_nn_batch_norm_forward(int device, const float* x, int64_t n, int64_t channels, int64_t spatial,
                                const float* gamma, const float* beta, float* running_mean, float* running_var,
                                float momentum, float eps, int training, float* y, float* save_mean,
                                float* save_invstd) {
  return guarded([&] {
    nn::require_cpu(device);
    require_sizes({n, channels, spatial});
    require(!training || n * spatial > 1, "batch norm in training needs more than one value per channel, got " +
                                              std::to_string(n * spatial));
    cpu::batch_norm_forward(x, n, channels, spatial, gamma, beta, running_mean, running_var, momentum, eps, training, y, save_mean, save_invstd);
  });
}

int ctc4j_nn_batch_norm_backward(int device, const float* x, int64_t n, int64_t channels, int64_t spatial,
                                 const float* gamma, const float* save_mean, const float* save_invstd, int training,
                                 const float* dy, float* dx, float* dgamma, float* dbeta) {
  return guarded([&] {
    nn::require_cpu(device);
    require_sizes({n, channels, spatial});
    cpu::batch_norm_backward(x, n, channels, spatial, gamma, save_mean, save_invstd, training, dy, dx, dgamma, dbeta);
  });
}

int ctc4j_nn_layer_norm_forward(int device, const float* x, int64_t outer, int64_t features, int64_t inner,
                                const float* gamma, const float* beta, float eps, float* y, float* save_mean,
                                float* save_invstd) {
  return guarded([&] {
    nn::require_cpu(device);
    require_sizes({outer, features, inner});
    require(features > 0, "layer norm over zero features");
    cpu::layer_norm_forward(x, outer, features, inner, gamma, beta, eps, y, save_mean, save_invstd);
  });
}

int ctc4j_nn_layer_norm_backward(int device, const float* x, int64_t outer, int64_t features, int64_t inner,
                                 const float* gamma, const float* save_mean, const float* save_invstd,
                                 const float* dy, float* dx, float* dgamma, float* dbeta) {
  return guarded([&] {
    nn::require_cpu(device);
    require_sizes({outer, features, inner});
    cpu::layer_norm_backward(x, outer, features, inner, gamma, save_mean, save_invstd, dy, dx, dgamma, dbeta);
  });
}

int ctc4j_nn_activation_forward(int device, int kind, float lo, float hi, const float* x, float* y, int64_t n) {
  return guarded([&] {
    nn::require_cpu(device);
    require_sizes({n});
    require(kind >= CTC4J_RELU && kind <= CTC4J_GELU, "unknown activation " + std::to_string(kind));
    cpu::activation_forward(kind, lo, hi, x, y, n);
  });
}

int ctc4j_nn_activation_backward(int device, int kind, float lo, float hi, const float* x, const float* dy, float* dx,
                                 int64_t n) {
  return guarded([&] {
    nn::require_cpu(device);
    require_sizes({n});
    require(kind >= CTC4J_RELU && kind <= CTC4J_GELU, "unknown activation " + std::to_string(kind));
    cpu::activation_backward(kind, lo, hi, x, dy, dx, n);
  });
}

int ctc4j_nn_dropout_forward(int device, float p, uint64_t seed, const float* x, float* y, float* mask, int64_t n) {
  return guarded([&] {
    nn::require_cpu(device);
    require_sizes({n});
    require(p >= 0.0f && p < 1.0f, "dropout probability must be in [0, 1), got " + std::to_string(p));
    cpu::dropout_forward(p, seed, x, y, mask, n);
  });
}

int ctc4j_nn_log_softmax_forward(int device, const float* x, int64_t rows, int64_t cols, float* y) {
  return guarded([&] {
    nn::require_cpu(device);
    require_sizes({rows, cols});
    require(cols > 0 || rows == 0, "log-softmax over zero classes");
    cpu::log_softmax_forward(x, rows, cols, y);
  });
}

int ctc4j_nn_log_softmax_backward(int device, const float* y, const float* dy, int64_t rows, int64_t cols, float* dx) {
  return guarded([&] {
    nn::require_cpu(device);
    require_sizes({rows, cols});
    cpu::log_softmax_backward(y, dy, rows, cols, dx);
  });
}

int ctc4j_nn_rnn_workspace_size(int cell, int64_t steps, int64_t batch, int64_t hidden, int64_t* floats) {
  return guarded([&] {
    require(cell == CTC4J_LSTM || cell == CTC4J_GRU, "unknown recurrent cell " + std::to_string(cell));
    require(steps >= 0 && batch >= 0 && hidden > 0, "bad recurrent sizes");
    *floats = cpu::rnn_workspace_floats(cell == CTC4J_LSTM, steps, batch, hidden);
  });
}

int ctc4j_nn_rnn_forward(int device, int cell, int reverse, int one_thread, int64_t steps, int64_t batch,
                         int64_t input, int64_t hidden, const int32_t* lengths, const float* x, const float* w_ih,
                         const float* w_hh, const float* b_ih, const float* b_hh, const float* h0, const float* c0,
                         float* y, int64_t y_stride, float* h_n, float* c_n, float* workspace) {
  return guarded([&] {
    nn::require_cpu(device);
    require_rnn(cell, steps, batch, input, hidden, lengths);
    require(y_stride >= hidden, "output row stride " + std::to_string(y_stride) + " below the hidden size");
    const OneThreadScope scope(one_thread != 0);
    cpu::rnn_forward({cell == CTC4J_LSTM, reverse != 0, steps, batch, input, hidden, lengths}, x, w_ih, w_hh, b_ih,
                     b_hh, h0, c0, y, y_stride, h_n, c_n, workspace);
  });
}

int ctc4j_nn_rnn_backward(int device, int cell, int reverse, int one_thread, int64_t steps, int64_t batch,
                          int64_t input, int64_t hidden, const int32_t* lengths, const float* x, const float* w_ih,
                          const float* w_hh, const float* workspace, const float* dy, int64_t dy_stride,
                          const float* dh_n, const float* dc_n, float* dx, float* dh0, float* dc0, float* dw_ih,
                          float* dw_hh, float* db_ih, float* db_hh) {
  return guarded([&] {
    nn::require_cpu(device);
    require_rnn(cell, steps, batch, input, hidden, lengths);
    require(workspace != nullptr, "recurrent backward needs the workspace its forward pass filled");
    require(dy_stride >= hidden, "gradient row stride " + std::to_string(dy_stride) + " below the hidden size");
    const OneThreadScope scope(one_thread != 0);
    cpu::rnn_backward({cell == CTC4J_LSTM, reverse != 0, steps, batch, input, hidden, lengths}, x, w_ih, w_hh,
                      workspace, dy, dy_stride, dh_n, dc_n, dx, dh0, dc0, dw_ih, dw_hh, db_ih, db_hh);
  });
}

}  // extern "C"
