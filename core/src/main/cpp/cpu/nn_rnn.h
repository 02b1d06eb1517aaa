// CPU LSTM and GRU layers, one direction of one layer at a time (ctc4j/nn.h), over inputs validated
// by api/nn.cpp.
#pragma once
#include <cstdint>
#include <functional>

namespace ctc4j::cpu {

struct RnnShape {
  bool lstm, reverse;
  int64_t steps, batch, input, hidden;
  const int32_t* lengths;  // [batch], each in [0, steps]
};

// Floats of the workspace a forward pass fills for backward.
int64_t rnn_workspace_floats(bool lstm, int64_t steps, int64_t batch, int64_t hidden);

// The two matrix products of a forward pass, given by the caller for another arithmetic
// (cpu/int8_layers.cpp): inputs fills the first gates * hidden floats of each of gates' steps * batch rows
// (4 * hidden floats apart, time-major as x) with x w_ih^T + b_ih; recurrent sets hh [active, gates *
// hidden] to h w_hh^T + b_hh for the state rows h [active, hidden].
struct RnnProducts {
  std::function<void(float* gates)> inputs;
  std::function<void(int64_t active, const float* h, float* hh)> recurrent;
};

// Weights the caller packed once (cpu/nn_packed.h, B = w^T), either null: w_hh's serves every step's
// recurrent product (at batches where packed_beats_matvec), w_ih's the input projections of few frames.
struct RnnPacked {
  const float* w_ih = nullptr;
  const float* w_hh = nullptr;
};

// workspace null: inference (per-thread scratch instead).
void rnn_forward(const RnnShape& shape, const float* x, const float* w_ih, const float* w_hh, const float* b_ih,
                 const float* b_hh, const float* h0, const float* c0, float* y, int64_t y_stride, float* h_n,
                 float* c_n, float* workspace, const RnnPacked& prepacked = {});
// An inference pass over these products: the same schedule, states and cells as the one above.
void rnn_forward(const RnnShape& shape, const RnnProducts& products, const float* h0, const float* c0, float* y,
                 int64_t y_stride, float* h_n, float* c_n);
void rnn_backward(const RnnShape& shape, const float* x, const float* w_ih, const float* w_hh, const float* workspace,
                  const float* dy, int64_t dy_stride, const float* dh_n, const float* dc_n, float* dx, float* dh0,
                  float* dc0, float* dw_ih, float* dw_hh, float* db_ih, float* db_hh);

}  // namespace ctc4j::cpu
