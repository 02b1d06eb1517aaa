// The neural-network C API (ctc4j/nn.h): validates, then runs the CPU layers (cpu/nn_layers.h,
// cpu/nn_rnn.h) and makes the packed-weight handles (handles/packed_weights.h). CUDA devices are
// answered CTC4J_UNAVAILABLE until the GPU layers land.
#include <string>

#include "api/nn_structs.h"
#include "cpu/nn_blas.h"
#include "cpu/nn_layers.h"
#include "cpu/nn_rnn.h"
#include "ctc4j/nn.h"
#include "handles/packed_weights.h"
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

// The layer's weights packed once, checked against its sizes.
cpu::RnnPacked prepacked(const ctc4j_nn_rnn& r, const cpu::RnnShape& shape) {
  const int64_t gates = (shape.lstm ? 4 : 3) * shape.hidden;
  const auto panels = [&](const ctc4j_nn_packed_weights* p, int64_t cols, const char* name) -> const float* {
    if (p == nullptr) return nullptr;
    packed_weights::require_shape(*p, gates, cols, 1, 1, name);
    return p->panels.get();
  };
  return {panels(r.w_ih_packed, shape.input, "w_ih"), panels(r.w_hh_packed, shape.hidden, "w_hh")};
}

}  // namespace

cpu::ConvGeometry api::conv_geometry(const ctc4j_nn_conv2d* c) {
  require(c != nullptr, "null convolution");
  return cpu::conv_geometry({c->batch, c->in_channels, c->height, c->width, c->out_channels, c->kernel_h, c->kernel_w,
                             c->stride_h, c->stride_w, c->pad_h, c->pad_w, c->dilation_h, c->dilation_w, c->groups, 0,
                             0});
}

cpu::RnnShape api::rnn_shape(const ctc4j_nn_rnn* r) {
  require(r != nullptr, "null recurrent layer");
  require_rnn(r->cell, r->steps, r->batch, r->input, r->hidden, r->lengths);
  return cpu::RnnShape{r->cell == CTC4J_LSTM, r->reverse != 0, r->steps, r->batch, r->input, r->hidden, r->lengths};
}

extern "C" {

int ctc4j_nn_set_sgemm(void* cblas_sgemm) {
  return guarded([&] {
    require(cblas_sgemm != nullptr, "null sgemm address");
    nn::set_sgemm(cblas_sgemm);
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

ctc4j_nn_linear ctc4j_nn_default_linear(void) {
  return ctc4j_nn_linear{};  // sizes zero, every pointer null
}

int ctc4j_nn_linear_forward(int device, const ctc4j_nn_linear* l, const float* x, float* y) {
  return guarded([&] {
    nn::require_cpu(device);
    require(l != nullptr, "null linear layer");
    require_sizes({l->rows, l->in, l->out});
    if (l->w_packed != nullptr) packed_weights::require_shape(*l->w_packed, l->out, l->in, 1, 1, "linear weights");
    cpu::linear_forward(x, l->rows, l->in, l->w, l->w_packed == nullptr ? nullptr : l->w_packed->panels.get(), l->bias,
                        l->out, y);
  });
}

int ctc4j_nn_linear_backward(int device, const ctc4j_nn_linear* l, const float* x, const float* dy, float* dx) {
  return guarded([&] {
    nn::require_cpu(device);
    require(l != nullptr, "null linear layer");
    require_sizes({l->rows, l->in, l->out});
    cpu::linear_backward(x, l->rows, l->in, l->w, l->out, dy, dx, l->dw, l->dbias);
  });
}

ctc4j_nn_conv2d ctc4j_nn_default_conv2d(void) {
  return ctc4j_nn_conv2d{0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1, nullptr, nullptr, nullptr, nullptr};
}

int ctc4j_nn_conv2d_output(const ctc4j_nn_conv2d* conv, int64_t* out_height, int64_t* out_width) {
  return guarded([&] {
    const cpu::ConvGeometry g = api::conv_geometry(conv);
    *out_height = g.out_h;
    *out_width = g.out_w;
  });
}

int ctc4j_nn_conv2d_forward(int device, const ctc4j_nn_conv2d* conv, const float* x, float* y) {
  return guarded([&] {
    nn::require_cpu(device);
    cpu::conv2d_forward(api::conv_geometry(conv), x, conv->w, conv->bias, y);
  });
}

int ctc4j_nn_conv2d_backward(int device, const ctc4j_nn_conv2d* conv, const float* x, const float* dy, float* dx) {
  return guarded([&] {
    nn::require_cpu(device);
    cpu::conv2d_backward(api::conv_geometry(conv), x, conv->w, dy, dx, conv->dw, conv->dbias);
  });
}

ctc4j_nn_batch_norm ctc4j_nn_default_batch_norm(void) {
  return ctc4j_nn_batch_norm{0, 0, 0, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, 0.1f, 1e-5f, 0, nullptr,
                             nullptr};
}

int ctc4j_nn_batch_norm_forward(int device, const ctc4j_nn_batch_norm* bn, const float* x, float* y) {
  return guarded([&] {
    nn::require_cpu(device);
    require(bn != nullptr, "null batch norm");
    const int64_t n = bn->n, channels = bn->channels, spatial = bn->spatial;
    require_sizes({n, channels, spatial});
    require(!bn->training || n * spatial > 1, "batch norm in training needs more than one value per channel, got " +
                                                  std::to_string(n * spatial));
    cpu::batch_norm_forward(x, n, channels, spatial, bn->gamma, bn->beta, bn->running_mean, bn->running_var,
                            bn->momentum, bn->eps, bn->training, y, bn->save_mean, bn->save_invstd);
  });
}

int ctc4j_nn_batch_norm_backward(int device, const ctc4j_nn_batch_norm* bn, const float* x, const float* dy, float* dx) {
  return guarded([&] {
    nn::require_cpu(device);
    require(bn != nullptr, "null batch norm");
    require_sizes({bn->n, bn->channels, bn->spatial});
    cpu::batch_norm_backward(x, bn->n, bn->channels, bn->spatial, bn->gamma, bn->save_mean, bn->save_invstd,
                             bn->training, dy, dx, bn->dgamma, bn->dbeta);
  });
}

ctc4j_nn_layer_norm ctc4j_nn_default_layer_norm(void) {
  return ctc4j_nn_layer_norm{0, 0, 1, nullptr, nullptr, nullptr, nullptr, 1e-5f, nullptr, nullptr};
}

int ctc4j_nn_layer_norm_forward(int device, const ctc4j_nn_layer_norm* ln, const float* x, float* y) {
  return guarded([&] {
    nn::require_cpu(device);
    require(ln != nullptr, "null layer norm");
    require_sizes({ln->outer, ln->features, ln->inner});
    require(ln->features > 0, "layer norm over zero features");
    cpu::layer_norm_forward(x, ln->outer, ln->features, ln->inner, ln->gamma, ln->beta, ln->eps, y, ln->save_mean,
                            ln->save_invstd);
  });
}

int ctc4j_nn_layer_norm_backward(int device, const ctc4j_nn_layer_norm* ln, const float* x, const float* dy, float* dx) {
  return guarded([&] {
    nn::require_cpu(device);
    require(ln != nullptr, "null layer norm");
    require_sizes({ln->outer, ln->features, ln->inner});
    cpu::layer_norm_backward(x, ln->outer, ln->features, ln->inner, ln->gamma, ln->save_mean, ln->save_invstd, dy, dx,
                             ln->dgamma, ln->dbeta);
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

int ctc4j_nn_pack_weights(const float* w, int64_t rows, int64_t cols, int64_t kernel, int64_t groups,
                          ctc4j_nn_packed_weights** out) {
  return guarded([&] {
    require(out != nullptr, "null output handle");
    *out = nullptr;
    *out = packed_weights::create(w, rows, cols, kernel, groups).release();
  });
}

int ctc4j_nn_packed_weights_destroy(ctc4j_nn_packed_weights* p) {
  return guarded([&] { delete p; });
}

int ctc4j_nn_rnn_workspace_size(int cell, int64_t steps, int64_t batch, int64_t hidden, int64_t* floats) {
  return guarded([&] {
    require(cell == CTC4J_LSTM || cell == CTC4J_GRU, "unknown recurrent cell " + std::to_string(cell));
    require(steps >= 0 && batch >= 0 && hidden > 0, "bad recurrent sizes");
    *floats = cpu::rnn_workspace_floats(cell == CTC4J_LSTM, steps, batch, hidden);
  });
}

ctc4j_nn_rnn ctc4j_nn_default_rnn(void) {
  ctc4j_nn_rnn r{};  // sizes zero, every pointer null
  r.cell = CTC4J_LSTM;
  return r;
}

int ctc4j_nn_rnn_forward(int device, const ctc4j_nn_rnn* r, const float* x, const float* h0, const float* c0, float* y,
                         float* h_n, float* c_n) {
  return guarded([&] {
    nn::require_cpu(device);
    const cpu::RnnShape shape = api::rnn_shape(r);
    require(r->y_stride >= r->hidden, "output row stride " + std::to_string(r->y_stride) + " below the hidden size");
    const OneThreadScope scope(r->one_thread != 0);
    cpu::rnn_forward(shape, x, r->w_ih, r->w_hh, r->b_ih, r->b_hh, h0, c0, y, r->y_stride, h_n, c_n, r->workspace,
                     prepacked(*r, shape));
  });
}

int ctc4j_nn_rnn_backward(int device, const ctc4j_nn_rnn* r, const float* x, const float* dy, const float* dh_n,
                          const float* dc_n, float* dx, float* dh0, float* dc0) {
  return guarded([&] {
    nn::require_cpu(device);
    const cpu::RnnShape shape = api::rnn_shape(r);
    require(r->workspace != nullptr, "recurrent backward needs the workspace its forward pass filled");
    require(r->dy_stride >= r->hidden, "gradient row stride " + std::to_string(r->dy_stride) + " below the hidden size");
    const OneThreadScope scope(r->one_thread != 0);
    cpu::rnn_backward(shape, x, r->w_ih, r->w_hh, r->workspace, dy, r->dy_stride, dh_n, dc_n, dx, dh0, dc0, r->dw_ih,
                      r->dw_hh, r->db_ih, r->db_hh);
  });
}

}  // extern "C"
