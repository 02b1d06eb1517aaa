// libctc4j_cuda's recurrent layers through cuDNN (see include/ctc4j/nn.h, ctc4j_nn_rnn_layer_forward
// and _backward). Arrays are device memory on `device` except lengths, a host array.
#pragma once
#include <stdint.h>

#include "ctc4j/core.h"

namespace ctc4j {

// One layer of `directions` (1 or 2) directions of an LSTM (lstm = 1) or a GRU (lstm = 0).
struct RnnLayerShape {
  int32_t lstm, directions;
  int64_t steps, batch, input, hidden;
};

// The arrays of one call. weights and grads: 4 * directions pointers, per direction w_ih, w_hh, b_ih,
// b_hh (biases may be NULL; each gradient may be NULL, and is accumulated). x [steps, batch, input];
// y [steps, batch, directions * hidden] (written by forward, read by backward); states [directions,
// batch, hidden] or NULL (zeros / not written), c's LSTM only. reserve: cuDNN's reserve space
// (ctc4jcu_rnn_layer_reserve_bytes) that a training forward fills for backward; NULL for inference.
struct RnnLayerData {
  const int32_t* lengths;
  const float* const* weights;
  float* const* grads;
  const float *x, *h0, *c0;
  float *y, *h_n, *c_n;
  const float *dy, *dh_n, *dc_n;
  float *dx, *dh0, *dc0;  // dx accumulated; dh0, dc0 overwritten
  void* reserve;
};

}  // namespace ctc4j

extern "C" {
CTC4J_API int ctc4jcu_rnn_layer_reserve_bytes(int device, const ctc4j::RnnLayerShape* shape, const int32_t* lengths,
                                              int64_t* bytes);
CTC4J_API int ctc4jcu_rnn_layer_forward(int device, const ctc4j::RnnLayerShape* shape,
                                        const ctc4j::RnnLayerData* data);
CTC4J_API int ctc4jcu_rnn_layer_backward(int device, const ctc4j::RnnLayerShape* shape,
                                         const ctc4j::RnnLayerData* data);
}
