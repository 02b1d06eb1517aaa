// Batch and layer norm on the GPU (ctc4j_nn_batch_norm_*, ctc4j_nn_layer_norm_*): statistics in double
// as on the CPU, reduced in a fixed order (a shuffle tree per warp, then the block's warps in order), so
// a run repeats itself exactly; the per-element math is common/nn_math.h's. Simple rather than tuned: a
// block per batch-norm channel, a warp per layer-norm position (or feature, for dgamma and dbeta).
#include "check.cuh"
#include "common/nn_math.h"
#include "cuda_bridge/exports/nn.h"

using namespace ctc4j;

namespace {

constexpr int kThreads = 256, kWarps = kThreads / 32;

// The warp's sum, the same on every lane (lane 0's tree, broadcast).
__device__ double warp_sum(double value) {
  for (int offset = 16; offset > 0; offset /= 2) value += __shfl_down_sync(0xffffffffu, value, offset);
  return __shfl_sync(0xffffffffu, value, 0);
}

// The block's sum (kThreads threads), on every thread.
__device__ double block_sum(double value, double* shared) {
  value = warp_sum(value);
  if (threadIdx.x % 32 == 0) shared[threadIdx.x / 32] = value;
  __syncthreads();
  double total = 0;
  for (int w = 0; w < kWarps; ++w) total += shared[w];
  __syncthreads();  // shared may be reused by the caller's next sum
  return total;
}

// Channel c's k-th value of x[n, channels, spatial] (k over n * spatial).
__device__ int64_t channel_at(int64_t k, int64_t c, int64_t channels, int64_t spatial) {
  return (k / spatial * channels + c) * spatial + k % spatial;
}

// A block per channel: the statistics (batch or running), the running averages, and scale/shift so
// that y = x scale + shift (coefficients[c], coefficients[channels + c]).
__global__ void batch_norm_stats_kernel(ctc4j_nn_batch_norm bn, const float* __restrict x,
                                        float* __restrict coefficients) {
  __shared__ double shared[kWarps];
  const int64_t c = blockIdx.x, count = bn.n * bn.spatial;
  double mean, var;
  if (bn.training) {
    double sum = 0, sum_sq = 0;
    for (int64_t k = threadIdx.x; k < count; k += kThreads) {
      const double v = x[channel_at(k, c, bn.channels, bn.spatial)];
      sum += v, sum_sq += v * v;
    }
    sum = block_sum(sum, shared), sum_sq = block_sum(sum_sq, shared);
    moments_of_sums(sum, sum_sq, static_cast<double>(count), &mean, &var);
  } else {
    mean = bn.running_mean[c], var = bn.running_var[c];
  }
  if (threadIdx.x != 0) return;
  if (bn.training && bn.running_mean != nullptr) {
    bn.running_mean[c] = (1 - bn.momentum) * bn.running_mean[c] + bn.momentum * float(mean);
  }
  if (bn.training && bn.running_var != nullptr) {
    bn.running_var[c] = (1 - bn.momentum) * bn.running_var[c] + bn.momentum * float(var * count / (count - 1));
  }
  const float invstd = static_cast<float>(1.0 / sqrt(var + bn.eps));
  const float scale = (bn.gamma ? bn.gamma[c] : 1.0f) * invstd;
  coefficients[c] = scale;
  coefficients[bn.channels + c] = (bn.beta ? bn.beta[c] : 0.0f) - float(mean) * scale;
  if (bn.save_mean != nullptr) bn.save_mean[c] = static_cast<float>(mean);
  if (bn.save_invstd != nullptr) bn.save_invstd[c] = invstd;
}

__global__ void batch_norm_apply_kernel(ctc4j_nn_batch_norm bn, const float* __restrict x,
                                        const float* __restrict coefficients, float* __restrict y) {
  const int64_t n = bn.n * bn.channels * bn.spatial;
  for (int64_t i = grid_first(); i < n; i += grid_step()) {
    const int64_t c = i / bn.spatial % bn.channels;
    y[i] = x[i] * coefficients[c] + coefficients[bn.channels + c];
  }
}

// A block per channel: sum dy and sum dy x_hat into dgamma/dbeta, and dx's coefficients (scale, mean
// of dy, mean of dy x_hat: zero in inference, where the statistics are constants).
__global__ void batch_norm_grad_kernel(ctc4j_nn_batch_norm bn, const float* __restrict x, const float* __restrict dy,
                                       float* __restrict coefficients) {
  __shared__ double shared[kWarps];
  const int64_t c = blockIdx.x, count = bn.n * bn.spatial;
  const float mean = bn.save_mean[c], invstd = bn.save_invstd[c];
  double sum_dy = 0, sum_dy_xhat = 0;
  for (int64_t k = threadIdx.x; k < count; k += kThreads) {
    const int64_t i = channel_at(k, c, bn.channels, bn.spatial);
    sum_dy += dy[i];
    sum_dy_xhat += double(dy[i]) * (x[i] - mean) * invstd;
  }
  sum_dy = block_sum(sum_dy, shared), sum_dy_xhat = block_sum(sum_dy_xhat, shared);
  if (threadIdx.x != 0) return;
  if (bn.dgamma != nullptr) bn.dgamma[c] += static_cast<float>(sum_dy_xhat);
  if (bn.dbeta != nullptr) bn.dbeta[c] += static_cast<float>(sum_dy);
  coefficients[c] = (bn.gamma ? bn.gamma[c] : 1.0f) * invstd;
  coefficients[bn.channels + c] = bn.training ? float(sum_dy / count) : 0.0f;
  coefficients[2 * bn.channels + c] = bn.training ? float(sum_dy_xhat / count) : 0.0f;
}

__global__ void batch_norm_dx_kernel(ctc4j_nn_batch_norm bn, const float* __restrict x, const float* __restrict dy,
                                     const float* __restrict coefficients, float* __restrict dx) {
  const int64_t n = bn.n * bn.channels * bn.spatial, C = bn.channels;
  for (int64_t i = grid_first(); i < n; i += grid_step()) {
    const int64_t c = i / bn.spatial % C;
    const float x_hat = (x[i] - bn.save_mean[c]) * bn.save_invstd[c];
    dx[i] = norm_input_gradient(coefficients[c], dy[i], coefficients[C + c], x_hat, coefficients[2 * C + c]);
  }
}

// Layer norm over x[outer, features, inner]: position p = o * inner + i normalises its features, which
// lie inner apart from (o * features) * inner + i.
__device__ int64_t position_base(const ctc4j_nn_layer_norm& ln, int64_t p) {
  return p / ln.inner * ln.features * ln.inner + p % ln.inner;
}

__device__ int64_t global_warp() { return (blockIdx.x * int64_t{blockDim.x} + threadIdx.x) / 32; }
__device__ int64_t warp_step() { return int64_t{gridDim.x} * blockDim.x / 32; }

__global__ void layer_norm_forward_kernel(ctc4j_nn_layer_norm ln, const float* __restrict x, float* __restrict y) {
  const int lane = threadIdx.x % 32;
  for (int64_t p = global_warp(); p < ln.outer * ln.inner; p += warp_step()) {
    const int64_t base = position_base(ln, p);
    double sum = 0, sum_sq = 0;
    for (int64_t f = lane; f < ln.features; f += 32) {
      const double v = x[base + f * ln.inner];
      sum += v, sum_sq += v * v;
    }
    sum = warp_sum(sum), sum_sq = warp_sum(sum_sq);
    double mean, var;
    moments_of_sums(sum, sum_sq, static_cast<double>(ln.features), &mean, &var);
    const float m = float(mean), invstd = static_cast<float>(1.0 / sqrt(var + ln.eps));
    for (int64_t f = lane; f < ln.features; f += 32) {
      const int64_t i = base + f * ln.inner;
      y[i] = normalized(x[i], m, invstd, ln.gamma ? ln.gamma[f] : 1.0f, ln.beta ? ln.beta[f] : 0.0f);
    }
    if (lane == 0 && ln.save_mean != nullptr) ln.save_mean[p] = m;
    if (lane == 0 && ln.save_invstd != nullptr) ln.save_invstd[p] = invstd;
  }
}

__global__ void layer_norm_dx_kernel(ctc4j_nn_layer_norm ln, const float* __restrict x, const float* __restrict dy,
                                     float* __restrict dx) {
  const int lane = threadIdx.x % 32;
  for (int64_t p = global_warp(); p < ln.outer * ln.inner; p += warp_step()) {
    const int64_t base = position_base(ln, p);
    const float mean = ln.save_mean[p], invstd = ln.save_invstd[p];
    double sum_g = 0, sum_g_xhat = 0;
    for (int64_t f = lane; f < ln.features; f += 32) {
      const int64_t i = base + f * ln.inner;
      const double g = double(dy[i]) * (ln.gamma ? ln.gamma[f] : 1.0f);
      sum_g += g, sum_g_xhat += g * (x[i] - mean) * invstd;
    }
    const float mg = float(warp_sum(sum_g) / ln.features), mgx = float(warp_sum(sum_g_xhat) / ln.features);
    for (int64_t f = lane; f < ln.features; f += 32) {
      const int64_t i = base + f * ln.inner;
      const float x_hat = (x[i] - mean) * invstd;
      dx[i] = norm_input_gradient(invstd, dy[i] * (ln.gamma ? ln.gamma[f] : 1.0f), mg, x_hat, mgx);
    }
  }
}

// A warp per feature: dgamma += sum dy x_hat, dbeta += sum dy over every position.
__global__ void layer_norm_params_kernel(ctc4j_nn_layer_norm ln, const float* __restrict x,
                                         const float* __restrict dy) {
  const int lane = threadIdx.x % 32;
  for (int64_t f = global_warp(); f < ln.features; f += warp_step()) {
    double sum_dy = 0, sum_dy_xhat = 0;
    for (int64_t p = lane; p < ln.outer * ln.inner; p += 32) {
      const int64_t i = position_base(ln, p) + f * ln.inner;
      sum_dy += dy[i];
      sum_dy_xhat += double(dy[i]) * (x[i] - ln.save_mean[p]) * ln.save_invstd[p];
    }
    sum_dy = warp_sum(sum_dy), sum_dy_xhat = warp_sum(sum_dy_xhat);
    if (lane == 0 && ln.dgamma != nullptr) ln.dgamma[f] += static_cast<float>(sum_dy_xhat);
    if (lane == 0 && ln.dbeta != nullptr) ln.dbeta[f] += static_cast<float>(sum_dy);
  }
}

unsigned warp_blocks(int64_t items) { return grid_stride_blocks(items * 32, kThreads); }

void finish() {
  CTC4J_CUDA_CHECK_LAUNCH();
  CTC4J_CUDA_CHECK(cudaStreamSynchronize(cudaStreamPerThread));
}

}  // namespace

extern "C" {

int ctc4jcu_batch_norm_forward(int device, const ctc4j_nn_batch_norm* norm, const float* x, float* y) {
  return guarded([&] {
    CTC4J_CUDA_CHECK(cudaSetDevice(device));
    const ctc4j_nn_batch_norm& bn = *norm;
    if (bn.channels == 0) return;
    const DeviceBuffer<float> coefficients(2 * bn.channels);
    batch_norm_stats_kernel<<<grid_x(bn.channels), kThreads, 0, cudaStreamPerThread>>>(bn, x, coefficients.get());
    CTC4J_CUDA_CHECK_LAUNCH();
    const int64_t n = bn.n * bn.channels * bn.spatial;
    if (n > 0) {
      batch_norm_apply_kernel<<<grid_stride_blocks(n, kThreads), kThreads, 0, cudaStreamPerThread>>>(
          bn, x, coefficients.get(), y);
    }
    finish();
  });
}

int ctc4jcu_batch_norm_backward(int device, const ctc4j_nn_batch_norm* norm, const float* x, const float* dy,
                                float* dx) {
  return guarded([&] {
    CTC4J_CUDA_CHECK(cudaSetDevice(device));
    const ctc4j_nn_batch_norm& bn = *norm;
    if (bn.channels == 0) return;
    const DeviceBuffer<float> coefficients(3 * bn.channels);
    batch_norm_grad_kernel<<<grid_x(bn.channels), kThreads, 0, cudaStreamPerThread>>>(bn, x, dy, coefficients.get());
    CTC4J_CUDA_CHECK_LAUNCH();
    const int64_t n = bn.n * bn.channels * bn.spatial;
    if (dx != nullptr && n > 0) {
      batch_norm_dx_kernel<<<grid_stride_blocks(n, kThreads), kThreads, 0, cudaStreamPerThread>>>(
          bn, x, dy, coefficients.get(), dx);
    }
    finish();
  });
}

int ctc4jcu_layer_norm_forward(int device, const ctc4j_nn_layer_norm* norm, const float* x, float* y) {
  return guarded([&] {
    CTC4J_CUDA_CHECK(cudaSetDevice(device));
    const ctc4j_nn_layer_norm& ln = *norm;
    const int64_t positions = ln.outer * ln.inner;
    if (positions == 0) return;
    layer_norm_forward_kernel<<<warp_blocks(positions), kThreads, 0, cudaStreamPerThread>>>(ln, x, y);
    finish();
  });
}

int ctc4jcu_layer_norm_backward(int device, const ctc4j_nn_layer_norm* norm, const float* x, const float* dy,
                                float* dx) {
  return guarded([&] {
    CTC4J_CUDA_CHECK(cudaSetDevice(device));
    const ctc4j_nn_layer_norm& ln = *norm;
    const int64_t positions = ln.outer * ln.inner;
    if (positions == 0) return;
    if (dx != nullptr) {
      layer_norm_dx_kernel<<<warp_blocks(positions), kThreads, 0, cudaStreamPerThread>>>(ln, x, dy, dx);
      CTC4J_CUDA_CHECK_LAUNCH();
    }
    if (ln.dgamma != nullptr || ln.dbeta != nullptr) {
      layer_norm_params_kernel<<<warp_blocks(ln.features), kThreads, 0, cudaStreamPerThread>>>(ln, x, dy);
    }
    finish();
  });
}

}  // extern "C"
