// Optimiser updates on the GPU: one thread per element with the shared per-element math; the
// sum of squares reduces per block, then sums the block partials in a fixed order (deterministic).
#include <vector>

#include "check.cuh"
#include "cuda_bridge/exports/optim.h"

namespace ctc4j {
namespace {

constexpr int kThreads = 256;

__global__ void sgd_kernel(float* p, const float* g, float* buf, int64_t n, SgdSettings s) {
  float unused = 0.0f;
  for (int64_t i = grid_first(); i < n; i += grid_step()) {
    sgd_update(p[i], g[i], buf ? buf[i] : unused, s);
  }
}

__global__ void adam_kernel(float* p, const float* g, float* m, float* v, int64_t n, AdamSettings s) {
  for (int64_t i = grid_first(); i < n; i += grid_step()) {
    adam_update(p[i], g[i], m[i], v[i], s);
  }
}

__global__ void scale_kernel(float* x, int64_t n, float factor) {
  for (int64_t i = grid_first(); i < n; i += grid_step()) {
    x[i] *= factor;
  }
}

__global__ void sum_squares_kernel(const float* x, int64_t n, double* partial) {
  __shared__ double s[kThreads];
  double acc = 0.0;
  for (int64_t i = grid_first(); i < n; i += grid_step()) {
    acc += double(x[i]) * x[i];
  }
  s[threadIdx.x] = acc;
  __syncthreads();
  for (int w = blockDim.x / 2; w > 0; w /= 2) {
    if (threadIdx.x < w) s[threadIdx.x] += s[threadIdx.x + w];
    __syncthreads();
  }
  if (threadIdx.x == 0) partial[blockIdx.x] = s[0];
}

template <class Launch>
void run(int device, int64_t n, Launch launch) {
  CTC4J_CUDA_CHECK(cudaSetDevice(device));
  if (n == 0) return;
  launch(grid_stride_blocks(n, kThreads));
  CTC4J_CUDA_CHECK_LAUNCH();
  CTC4J_CUDA_CHECK(cudaStreamSynchronize(cudaStreamPerThread));
}

}  // namespace
}  // namespace ctc4j

using namespace ctc4j;

extern "C" {

int ctc4jcu_sgd_step(int device, float* param, const float* grad, float* buffer, int64_t n, SgdSettings s) {
  return guarded([&] {
    run(device, n, [&](unsigned b) { sgd_kernel<<<b, kThreads, 0, cudaStreamPerThread>>>(param, grad, buffer, n, s); });
  });
}

int ctc4jcu_adam_step(int device, float* param, const float* grad, float* m, float* v, int64_t n, AdamSettings s) {
  return guarded([&] {
    run(device, n, [&](unsigned b) { adam_kernel<<<b, kThreads, 0, cudaStreamPerThread>>>(param, grad, m, v, n, s); });
  });
}

int ctc4jcu_scale(int device, float* x, int64_t n, float factor) {
  return guarded([&] {
    run(device, n, [&](unsigned b) { scale_kernel<<<b, kThreads, 0, cudaStreamPerThread>>>(x, n, factor); });
  });
}

int ctc4jcu_sum_squares(int device, const float* x, int64_t n, double* out) {
  return guarded([&] {
    *out = 0.0;
    CTC4J_CUDA_CHECK(cudaSetDevice(device));
    if (n == 0) return;
    const unsigned blocks = grid_stride_blocks(n, kThreads);
    const DeviceBuffer<double> partial(blocks);
    sum_squares_kernel<<<blocks, kThreads, 0, cudaStreamPerThread>>>(x, n, partial.get());
    CTC4J_CUDA_CHECK_LAUNCH();
    std::vector<double> host(blocks);
    partial.copy_to(host.data(), blocks);
    CTC4J_CUDA_CHECK(cudaStreamSynchronize(cudaStreamPerThread));
    for (double p : host) *out += p;
  });
}

}  // extern "C"
