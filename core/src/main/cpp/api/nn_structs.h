// The structs of ctc4j/nn.h read and validated, for the C APIs that take them (api/nn.cpp, and
// api/quant.cpp's int8 layers).
#pragma once
#include "cpu/nn_layers.h"
#include "cpu/nn_rnn.h"
#include "ctc4j/nn.h"

namespace ctc4j::api {

// The geometry of a convolution struct, validated, with the output size worked out.
cpu::ConvGeometry conv_geometry(const ctc4j_nn_conv2d* c);
// The shape of a recurrent layer struct: cell, sizes and every utterance's length validated.
cpu::RnnShape rnn_shape(const ctc4j_nn_rnn* r);

}  // namespace ctc4j::api
