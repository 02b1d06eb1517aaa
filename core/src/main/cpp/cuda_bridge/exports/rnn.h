// libctc4j_cuda's recurrent layers through cuDNN (see include/ctc4j/nn.h, ctc4j_nn_rnn_layer_forward).
// Arrays are device memory on `device` except lengths, a host array.
#pragma once
#include <stdint.h>

#include "ctc4j/core.h"

namespace ctc4j {

// One layer of `directions` (1 or 2) directions of an LSTM (lstm = 1) or a GRU (lstm = 0).
struct RnnLayerShape {
  int32_t lstm, directions;
  int64_t steps, batch, input, hidden;
};

}  // namespace ctc4j

extern "C" {
/* weights: 4 * directions device pointers, per direction w_ih, w_hh, b_ih, b_hh (biases may be NULL).
 * x [steps, batch, input]; y [steps, batch, directions * hidden]; h0/c0/h_n/c_n [directions, batch,
 * hidden] or NULL (zeros / not written); c0/c_n LSTM only. Inference only. */
CTC4J_API int ctc4jcu_rnn_layer_forward(int device, const ctc4j::RnnLayerShape* shape, const int32_t* lengths,
                                        const float* const* weights, const float* x, const float* h0,
                                        const float* c0, float* y, float* h_n, float* c_n);
}
