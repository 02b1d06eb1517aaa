// The neural-network C API (ctc4j/nn.h): validates, then runs the CPU layers (cpu/nn_layers.h,
// cpu/nn_rnn.h) or hands the layers built for CUDA (sum, product, linear, activations, dropout, log-softmax) to the
// CUDA library, and makes the packed-weight handles (handles/packed_weights.h). The other layers answer
// CUDA devices CTC4J_UNAVAILABLE until theirs land.
#include <string>
#include <vector>

#include "api/nn_structs.h"
#include "cpu/nn_blas.h"
#include "cpu/nn_layers.h"
#include "cpu/nn_rnn.h"
#include "ctc4j/nn.h"
#include "cuda_bridge/exports/nn.h"
#include "cuda_bridge/exports/rnn.h"
#include "cuda_bridge/loader.h"
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

// The directions of a recurrent layer, validated: directions[0] forward and directions[1] reverse, of
// one cell and one size, over one lengths array, each writing rows of count * hidden.
RnnLayerShape layer_shape(const ctc4j_nn_rnn* directions, int count) {
  require(directions != nullptr && (count == 1 || count == 2),
          "a recurrent layer has 1 or 2 directions, got " + std::to_string(count));
  const ctc4j_nn_rnn& first = directions[0];
  api::rnn_shape(&first);  // validates the sizes and lengths the directions share
  for (int d = 0; d < count; ++d) {
    const ctc4j_nn_rnn& r = directions[d];
    require(r.reverse == d, "direction " + std::to_string(d) + " of a recurrent layer must have reverse " +
                                std::to_string(d));
    require(r.cell == first.cell && r.steps == first.steps && r.batch == first.batch && r.input == first.input &&
                r.hidden == first.hidden && r.lengths == first.lengths,
            "the directions of a recurrent layer differ in cell, sizes or lengths");
    require(r.y_stride == count * r.hidden, "direction " + std::to_string(d) + ": output row stride " +
                                                std::to_string(r.y_stride) + ", not " +
                                                std::to_string(count * r.hidden));
  }
  return {first.cell == CTC4J_LSTM, count, first.steps, first.batch, first.input, first.hidden};
}

// Direction d's slice of a [count, batch, hidden] state array (or NULL).
template <class T>
T* state_of(T* states, const ctc4j_nn_rnn& r, int d) {
  return states == nullptr ? nullptr : states + d * r.batch * r.hidden;
}

// A CUDA layer call's per-direction pointers, in the order libctc4j_cuda reads them, and the layer's
// reserve space: directions[0].workspace (ctc4j_nn_rnn_layer_workspace_size), the others' NULL.
struct CudaLayerArrays {
  std::vector<const float*> weights;
  std::vector<float*> grads;
  RnnLayerData data{};

  CudaLayerArrays(const ctc4j_nn_rnn* directions, int count) {
    for (int d = 0; d < count; ++d) {
      const ctc4j_nn_rnn& r = directions[d];
      require(r.w_ih != nullptr && r.w_hh != nullptr, "direction " + std::to_string(d) + ": null weights");
      require(r.w_ih_packed == nullptr && r.w_hh_packed == nullptr, "a CUDA recurrent layer takes no packed weights");
      require(d == 0 || r.workspace == nullptr,
              "a CUDA recurrent layer keeps its one reserve space in directions[0].workspace; direction " +
                  std::to_string(d) + " has its own");
      weights.insert(weights.end(), {r.w_ih, r.w_hh, r.b_ih, r.b_hh});
      grads.insert(grads.end(), {r.dw_ih, r.dw_hh, r.db_ih, r.db_hh});
    }
    data.lengths = directions[0].lengths;
    data.weights = weights.data();
    data.grads = grads.data();
    data.reserve = directions[0].workspace;
  }
};

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
    require_sizes({n});
    if (device != CTC4J_CPU) {
      cuda::require_device(device);
      CTC4J_CUDA_CALL(ctc4jcu_add, device, a, b, out, n);
      return;
    }
    cpu::add(a, b, out, n);
  });
}

int ctc4j_nn_multiply(int device, const float* a, const float* b, float* out, int64_t n) {
  return guarded([&] {
    require_sizes({n});
    if (device != CTC4J_CPU) {
      cuda::require_device(device);
      CTC4J_CUDA_CALL(ctc4jcu_multiply, device, a, b, out, n);
      return;
    }
    cpu::multiply(a, b, out, n);
  });
}

int ctc4j_nn_sum_halves(int device, const float* x, int64_t rows, int64_t half, float* out) {
  return guarded([&] {
    require_sizes({rows, half});
    if (device != CTC4J_CPU) {
      cuda::require_device(device);
      CTC4J_CUDA_CALL(ctc4jcu_sum_halves, device, x, rows, half, out);
      return;
    }
    cpu::sum_halves(x, rows, half, out);
  });
}

int ctc4j_nn_repeat_halves(int device, const float* x, int64_t rows, int64_t half, float* out) {
  return guarded([&] {
    require_sizes({rows, half});
    if (device != CTC4J_CPU) {
      cuda::require_device(device);
      CTC4J_CUDA_CALL(ctc4jcu_repeat_halves, device, x, rows, half, out);
      return;
    }
    cpu::repeat_halves(x, rows, half, out);
  });
}

int ctc4j_nn_mask_frames(int device, float* x, int64_t batch, int64_t rows, int64_t steps, const int32_t* lengths) {
  return guarded([&] {
    require_sizes({batch, rows, steps});
    for (int64_t b = 0; b < batch; ++b) {
      require(lengths[b] >= 0 && lengths[b] <= steps, "utterance " + std::to_string(b) + ": length " +
                                                          std::to_string(lengths[b]) + " outside [0, " +
                                                          std::to_string(steps) + "]");
    }
    if (device != CTC4J_CPU) {
      cuda::require_device(device);
      CTC4J_CUDA_CALL(ctc4jcu_mask_frames, device, x, batch, rows, steps, lengths);
      return;
    }
    cpu::mask_frames(x, batch, rows, steps, lengths);
  });
}

int ctc4j_nn_permute(int device, const float* x, int rank, const int64_t* shape, const int32_t* perm, float* y) {
  return guarded([&] {
    const PermuteGeometry g = cpu::permute_geometry(rank, shape, perm);
    if (device != CTC4J_CPU) {
      cuda::require_device(device);
      CTC4J_CUDA_CALL(ctc4jcu_permute, device, &g, x, y);
      return;
    }
    cpu::permute(g, x, y);
  });
}

ctc4j_nn_linear ctc4j_nn_default_linear(void) {
  return ctc4j_nn_linear{};  // sizes zero, every pointer null
}

int ctc4j_nn_linear_forward(int device, const ctc4j_nn_linear* l, const float* x, float* y) {
  return guarded([&] {
    require(l != nullptr, "null linear layer");
    require_sizes({l->rows, l->in, l->out});
    if (device != CTC4J_CPU) {
      cuda::require_device(device);
      require(l->w_packed == nullptr, "packed weights are for the CPU: a CUDA linear layer takes w alone");
      CTC4J_CUDA_CALL(ctc4jcu_linear_forward, device, l->rows, l->in, l->out, l->w, l->bias, x, y);
      return;
    }
    if (l->w_packed != nullptr) packed_weights::require_shape(*l->w_packed, l->out, l->in, 1, 1, "linear weights");
    cpu::linear_forward(x, l->rows, l->in, l->w, l->w_packed == nullptr ? nullptr : l->w_packed->panels.get(), l->bias,
                        l->out, y);
  });
}

int ctc4j_nn_linear_backward(int device, const ctc4j_nn_linear* l, const float* x, const float* dy, float* dx) {
  return guarded([&] {
    require(l != nullptr, "null linear layer");
    require_sizes({l->rows, l->in, l->out});
    if (device != CTC4J_CPU) {
      cuda::require_device(device);
      CTC4J_CUDA_CALL(ctc4jcu_linear_backward, device, l->rows, l->in, l->out, l->w, x, dy, dx, l->dw, l->dbias);
      return;
    }
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
    const ConvGeometry g = api::conv_geometry(conv);
    if (device != CTC4J_CPU) {
      cuda::require_device(device);
      CTC4J_CUDA_CALL(ctc4jcu_conv2d_forward, device, &g, x, conv->w, conv->bias, y);
      return;
    }
    cpu::conv2d_forward(g, x, conv->w, conv->bias, y);
  });
}

int ctc4j_nn_conv2d_backward(int device, const ctc4j_nn_conv2d* conv, const float* x, const float* dy, float* dx) {
  return guarded([&] {
    const ConvGeometry g = api::conv_geometry(conv);
    if (device != CTC4J_CPU) {
      cuda::require_device(device);
      CTC4J_CUDA_CALL(ctc4jcu_conv2d_backward, device, &g, x, conv->w, dy, dx, conv->dw, conv->dbias);
      return;
    }
    cpu::conv2d_backward(g, x, conv->w, dy, dx, conv->dw, conv->dbias);
  });
}

ctc4j_nn_batch_norm ctc4j_nn_default_batch_norm(void) {
  return ctc4j_nn_batch_norm{0, 0, 0, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, 0.1f, 1e-5f, 0, nullptr,
                             nullptr};
}

int ctc4j_nn_batch_norm_forward(int device, const ctc4j_nn_batch_norm* bn, const float* x, float* y) {
  return guarded([&] {
    require(bn != nullptr, "null batch norm");
    const int64_t n = bn->n, channels = bn->channels, spatial = bn->spatial;
    require_sizes({n, channels, spatial});
    require(!bn->training || n * spatial > 1, "batch norm in training needs more than one value per channel, got " +
                                                  std::to_string(n * spatial));
    require(bn->training || (bn->running_mean != nullptr && bn->running_var != nullptr),
            "batch norm in inference needs the running statistics");
    if (device != CTC4J_CPU) {
      cuda::require_device(device);
      CTC4J_CUDA_CALL(ctc4jcu_batch_norm_forward, device, bn, x, y);
      return;
    }
    cpu::batch_norm_forward(x, n, channels, spatial, bn->gamma, bn->beta, bn->running_mean, bn->running_var,
                            bn->momentum, bn->eps, bn->training, y, bn->save_mean, bn->save_invstd);
  });
}

int ctc4j_nn_batch_norm_backward(int device, const ctc4j_nn_batch_norm* bn, const float* x, const float* dy, float* dx) {
  return guarded([&] {
    require(bn != nullptr, "null batch norm");
    require_sizes({bn->n, bn->channels, bn->spatial});
    require(bn->save_mean != nullptr && bn->save_invstd != nullptr,
            "batch norm backward needs the statistics its forward saved (save_mean, save_invstd)");
    if (device != CTC4J_CPU) {
      cuda::require_device(device);
      CTC4J_CUDA_CALL(ctc4jcu_batch_norm_backward, device, bn, x, dy, dx);
      return;
    }
    cpu::batch_norm_backward(x, bn->n, bn->channels, bn->spatial, bn->gamma, bn->save_mean, bn->save_invstd,
                             bn->training, dy, dx, bn->dgamma, bn->dbeta);
  });
}

ctc4j_nn_layer_norm ctc4j_nn_default_layer_norm(void) {
  return ctc4j_nn_layer_norm{0, 0, 1, nullptr, nullptr, nullptr, nullptr, 1e-5f, nullptr, nullptr};
}

int ctc4j_nn_layer_norm_forward(int device, const ctc4j_nn_layer_norm* ln, const float* x, float* y) {
  return guarded([&] {
    require(ln != nullptr, "null layer norm");
    require_sizes({ln->outer, ln->features, ln->inner});
    require(ln->features > 0, "layer norm over zero features");
    if (device != CTC4J_CPU) {
      cuda::require_device(device);
      CTC4J_CUDA_CALL(ctc4jcu_layer_norm_forward, device, ln, x, y);
      return;
    }
    cpu::layer_norm_forward(x, ln->outer, ln->features, ln->inner, ln->gamma, ln->beta, ln->eps, y, ln->save_mean,
                            ln->save_invstd);
  });
}

int ctc4j_nn_layer_norm_backward(int device, const ctc4j_nn_layer_norm* ln, const float* x, const float* dy, float* dx) {
  return guarded([&] {
    require(ln != nullptr, "null layer norm");
    require_sizes({ln->outer, ln->features, ln->inner});
    require(ln->save_mean != nullptr && ln->save_invstd != nullptr,
            "layer norm backward needs the statistics its forward saved (save_mean, save_invstd)");
    if (device != CTC4J_CPU) {
      cuda::require_device(device);
      CTC4J_CUDA_CALL(ctc4jcu_layer_norm_backward, device, ln, x, dy, dx);
      return;
    }
    cpu::layer_norm_backward(x, ln->outer, ln->features, ln->inner, ln->gamma, ln->save_mean, ln->save_invstd, dy, dx,
                             ln->dgamma, ln->dbeta);
  });
}

int ctc4j_nn_activation_forward(int device, int kind, float lo, float hi, const float* x, float* y, int64_t n) {
  return guarded([&] {
    require_sizes({n});
    require(kind >= CTC4J_RELU && kind <= CTC4J_GELU, "unknown activation " + std::to_string(kind));
    if (device != CTC4J_CPU) {
      cuda::require_device(device);
      CTC4J_CUDA_CALL(ctc4jcu_activation_forward, device, kind, lo, hi, x, y, n);
      return;
    }
    cpu::activation_forward(kind, lo, hi, x, y, n);
  });
}

int ctc4j_nn_activation_backward(int device, int kind, float lo, float hi, const float* x, const float* dy, float* dx,
                                 int64_t n) {
  return guarded([&] {
    require_sizes({n});
    require(kind >= CTC4J_RELU && kind <= CTC4J_GELU, "unknown activation " + std::to_string(kind));
    if (device != CTC4J_CPU) {
      cuda::require_device(device);
      CTC4J_CUDA_CALL(ctc4jcu_activation_backward, device, kind, lo, hi, x, dy, dx, n);
      return;
    }
    cpu::activation_backward(kind, lo, hi, x, dy, dx, n);
  });
}

int ctc4j_nn_dropout_forward(int device, float p, uint64_t seed, const float* x, float* y, float* mask, int64_t n) {
  return guarded([&] {
    require_sizes({n});
    require(p >= 0.0f && p < 1.0f, "dropout probability must be in [0, 1), got " + std::to_string(p));
    if (device != CTC4J_CPU) {
      cuda::require_device(device);
      CTC4J_CUDA_CALL(ctc4jcu_dropout_forward, device, p, seed, x, y, mask, n);
      return;
    }
    cpu::dropout_forward(p, seed, x, y, mask, n);
  });
}

int ctc4j_nn_log_softmax_forward(int device, const float* x, int64_t rows, int64_t cols, float* y) {
  return guarded([&] {
    require_sizes({rows, cols});
    require(cols > 0 || rows == 0, "log-softmax over zero classes");
    if (device != CTC4J_CPU) {
      cuda::require_device(device);
      CTC4J_CUDA_CALL(ctc4jcu_log_softmax_forward, device, x, rows, cols, y);
      return;
    }
    cpu::log_softmax_forward(x, rows, cols, y);
  });
}

int ctc4j_nn_log_softmax_backward(int device, const float* y, const float* dy, int64_t rows, int64_t cols, float* dx) {
  return guarded([&] {
    require_sizes({rows, cols});
    if (device != CTC4J_CPU) {
      cuda::require_device(device);
      CTC4J_CUDA_CALL(ctc4jcu_log_softmax_backward, device, y, dy, rows, cols, dx);
      return;
    }
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

int ctc4j_nn_rnn_layer_workspace_size(int device, const ctc4j_nn_rnn* directions, int count, int64_t* floats) {
  return guarded([&] {
    require(floats != nullptr, "null output");
    const RnnLayerShape shape = layer_shape(directions, count);
    if (device == CTC4J_CPU) {
      *floats = cpu::rnn_workspace_floats(shape.lstm != 0, shape.steps, shape.batch, shape.hidden);
      return;
    }
    cuda::require_device(device);
    int64_t bytes = 0;
    CTC4J_CUDA_CALL(ctc4jcu_rnn_layer_reserve_bytes, device, &shape, directions[0].lengths, &bytes);
    *floats = (bytes + static_cast<int64_t>(sizeof(float)) - 1) / static_cast<int64_t>(sizeof(float));
  });
}

int ctc4j_nn_rnn_layer_forward(int device, const ctc4j_nn_rnn* directions, int count, const float* x,
                               const float* h0, const float* c0, float* y, float* h_n, float* c_n) {
  return guarded([&] {
    const RnnLayerShape shape = layer_shape(directions, count);
    if (device != CTC4J_CPU) {
      cuda::require_device(device);
      CudaLayerArrays arrays(directions, count);
      RnnLayerData& a = arrays.data;
      a.x = x, a.h0 = h0, a.c0 = c0, a.y = y, a.h_n = h_n, a.c_n = c_n;
      CTC4J_CUDA_CALL(ctc4jcu_rnn_layer_forward, device, &shape, &a);
      return;
    }
    for (int d = 0; d < count; ++d) {
      const ctc4j_nn_rnn& r = directions[d];
      const cpu::RnnShape direction = api::rnn_shape(&r);
      const OneThreadScope scope(r.one_thread != 0);
      cpu::rnn_forward(direction, x, r.w_ih, r.w_hh, r.b_ih, r.b_hh, state_of(h0, r, d), state_of(c0, r, d),
                       y + d * r.hidden, r.y_stride, state_of(h_n, r, d), state_of(c_n, r, d), r.workspace,
                       prepacked(r, direction));
    }
  });
}

int ctc4j_nn_rnn_layer_backward(int device, const ctc4j_nn_rnn* directions, int count, const float* x,
                                const float* h0, const float* c0, const float* y, const float* dy, const float* dh_n,
                                const float* dc_n, float* dx, float* dh0, float* dc0) {
  return guarded([&] {
    const RnnLayerShape shape = layer_shape(directions, count);
    for (int d = 0; d < count; ++d) {
      require(directions[d].dy_stride == count * shape.hidden,
              "direction " + std::to_string(d) + ": gradient row stride " + std::to_string(directions[d].dy_stride) +
                  ", not " + std::to_string(count * shape.hidden));
    }
    if (device != CTC4J_CPU) {
      cuda::require_device(device);
      CudaLayerArrays arrays(directions, count);
      RnnLayerData& a = arrays.data;
      a.x = x, a.h0 = h0, a.c0 = c0, a.y = const_cast<float*>(y);  // backward only reads y
      a.dy = dy, a.dh_n = dh_n, a.dc_n = dc_n, a.dx = dx, a.dh0 = dh0, a.dc0 = dc0;
      CTC4J_CUDA_CALL(ctc4jcu_rnn_layer_backward, device, &shape, &a);
      return;
    }
    for (int d = 0; d < count; ++d) {
      const ctc4j_nn_rnn& r = directions[d];
      require(r.workspace != nullptr, "recurrent backward needs the workspace its forward pass filled");
      const OneThreadScope scope(r.one_thread != 0);
      cpu::rnn_backward(api::rnn_shape(&r), x, r.w_ih, r.w_hh, r.workspace, dy + d * r.hidden, r.dy_stride,
                        state_of(dh_n, r, d), state_of(dc_n, r, d), dx, state_of(dh0, r, d), state_of(dc0, r, d),
                        r.dw_ih, r.dw_hh, r.db_ih, r.db_hh);
    }
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
