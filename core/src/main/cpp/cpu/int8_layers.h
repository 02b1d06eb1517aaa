// int8 forward passes on the CPU (include/ctc4j/quant.h), over inputs validated by api/quant.cpp:
// every product quantizes its input rows dynamically, runs the exact int32 kernel (cpu/int8_kernel.h)
// and dequantizes on store.
#pragma once
#include <cstdint>

#include "cpu/nn_layers.h"
#include "cpu/nn_rnn.h"
#include "handles/int8_matrix.h"

namespace ctc4j::cpu {

// y[rows, w.rows] = (row i of x at x + i * x_stride) w^T + bias (may be null).
void int8_linear_forward(const ctc4j_int8_matrix& w, const float* bias, const float* x, int64_t rows,
                         int64_t x_stride, float* y);
// A one-group convolution of geometry g whose weights w are [out_channels, in_channels * kh * kw].
void int8_conv2d_forward(const ConvGeometry& g, const ctc4j_int8_matrix& w, const float* x, const float* bias,
                         float* y);
// One direction of a recurrent layer: cpu::rnn_forward's inference pass over int8 products (the input
// projection per frame, each step's recurrent product per utterance).
void int8_rnn_forward(const RnnShape& shape, const ctc4j_int8_matrix& w_ih, const ctc4j_int8_matrix& w_hh,
                      const float* x, const float* b_ih, const float* b_hh, const float* h0, const float* c0, float* y,
                      int64_t y_stride, float* h_n, float* c_n);

}  // namespace ctc4j::cpu
