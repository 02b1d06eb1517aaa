// Element-wise helpers of cuda/nn_layers.cu that other CUDA sources queue.
#pragma once
#include <cstdint>

namespace ctc4j::nn {

// y[0, n) += x[0, n) in the current device's memory, queued on cudaStreamPerThread (no wait).
void accumulate(float* y, const float* x, int64_t n);

}  // namespace ctc4j::nn
