// The neural layers on the GPU (ctc4j/nn.h): linear (its products through nn::gemm, cuBLAS), the
// elementwise helpers (sum, product, sum of halves, frame masking, permutation), the activations
// (ReLU, Hardtanh, GELU), dropout and log-softmax, their per-element math shared with the CPU
// (common/nn_math.h, common/permute.h).
#include <cfloat>

#include "check.cuh"
#include "common/nn_math.h"
#include "ctc4j/nn.h"
#include "cuda_bridge/exports/nn.h"
#include "nn_blas.h"
#include "nn_layers.h"

using namespace ctc4j;

namespace {

constexpr int kThreads = 256;

// y[r, j] = bias[j] for the rows of y[rows, cols]; the product then adds into it.
__global__ void broadcast_rows_kernel(const float* __restrict bias, int64_t rows, int64_t cols, float* __restrict y) {
  const int64_t n = rows * cols;
  for (int64_t i = grid_first(); i < n; i += grid_step()) {
    y[i] = bias[i % cols];
  }
}

// out[j] += sum over rows of x[rows, cols]: a block per 32 columns, its 32 x 32 threads each summing
// every 32nd row of one column (adjacent threads read adjacent columns), then a fixed tree over the
// 32 partial sums, so the result does not depend on scheduling.
constexpr int kSumColumns = 32, kSumRows = 32;
__global__ void add_column_sums_kernel(const float* __restrict x, int64_t rows, int64_t cols, float* __restrict out) {
  __shared__ float partial[kSumRows][kSumColumns + 1];
  const int64_t col = blockIdx.x * int64_t{kSumColumns} + threadIdx.x;
  float sum = 0.0f;
  if (col < cols) {
    for (int64_t r = threadIdx.y; r < rows; r += kSumRows) sum += x[r * cols + col];
  }
  partial[threadIdx.y][threadIdx.x] = sum;
  __syncthreads();
  for (int half = kSumRows / 2; half > 0; half /= 2) {
    if (threadIdx.y < half) partial[threadIdx.y][threadIdx.x] += partial[threadIdx.y + half][threadIdx.x];
    __syncthreads();
  }
  if (threadIdx.y == 0 && col < cols) out[col] += partial[0][threadIdx.x];
}

// out = a + b or a * b.
template <bool kProduct>
__global__ void binary_kernel(const float* __restrict a, const float* __restrict b, float* __restrict out, int64_t n) {
  for (int64_t i = grid_first(); i < n; i += grid_step()) out[i] = kProduct ? a[i] * b[i] : a[i] + b[i];
}

__global__ void sum_halves_kernel(const float* __restrict x, int64_t rows, int64_t half, float* __restrict out) {
  const int64_t n = rows * half;
  for (int64_t i = grid_first(); i < n; i += grid_step()) {
    const int64_t r = i / half, j = i % half;
    out[i] = x[r * 2 * half + j] + x[r * 2 * half + half + j];
  }
}

__global__ void repeat_halves_kernel(const float* __restrict x, int64_t rows, int64_t half, float* __restrict out) {
  const int64_t n = rows * 2 * half;
  for (int64_t i = grid_first(); i < n; i += grid_step()) out[i] = x[i / (2 * half) * half + i % half];
}

// x[batch, rows, steps]: zero where t >= lengths[b].
__global__ void mask_frames_kernel(float* x, int64_t rows, int64_t steps, const int32_t* __restrict lengths,
                                   int64_t n) {
  for (int64_t i = grid_first(); i < n; i += grid_step()) {
    if (i % steps >= lengths[i / steps / rows]) x[i] = 0.0f;
  }
}

__global__ void permute_kernel(PermuteGeometry g, const float* __restrict x, float* __restrict y) {
  const int64_t inner = g.inner(), step = g.stride[g.rank - 1];
  for (int64_t i = grid_first(); i < g.total; i += grid_step()) y[i] = x[g.row_source(i / inner) + i % inner * step];
}

__global__ void accumulate_kernel(float* __restrict y, const float* __restrict x, int64_t n) {
  for (int64_t i = grid_first(); i < n; i += grid_step()) y[i] += x[i];
}

__global__ void activation_forward_kernel(int kind, float lo, float hi, const float* __restrict x, float* __restrict y,
                                          int64_t n) {
  for (int64_t i = grid_first(); i < n; i += grid_step()) {
    y[i] = kind == CTC4J_RELU ? relu(x[i]) : (kind == CTC4J_HARDTANH ? hardtanh(x[i], lo, hi) : gelu(x[i]));
  }
}

__global__ void activation_backward_kernel(int kind, float lo, float hi, const float* __restrict x,
                                           const float* __restrict dy, float* __restrict dx, int64_t n) {
  for (int64_t i = grid_first(); i < n; i += grid_step()) {
    dx[i] = kind == CTC4J_RELU       ? relu_gradient(x[i], dy[i])
            : kind == CTC4J_HARDTANH ? dy[i] * hardtanh_derivative(x[i], lo, hi)
                                     : dy[i] * gelu_derivative(x[i]);
  }
}

__global__ void dropout_forward_kernel(float p, float keep_scale, unsigned long long seed, const float* __restrict x,
                                       float* __restrict y, float* __restrict mask, int64_t n) {
  for (int64_t i = grid_first(); i < n; i += grid_step()) {
    mask[i] = uniform_at(seed, static_cast<unsigned long long>(i)) < p ? 0.0f : keep_scale;
    y[i] = x[i] * mask[i];
  }
}

// A block's reduction of one value per thread (kThreads, a power of two) in shared memory; every thread
// gets the result.
template <class T, class Op>
__device__ T block_reduce(T value, T* shared, Op op) {
  shared[threadIdx.x] = value;
  __syncthreads();
  for (int half = kThreads / 2; half > 0; half /= 2) {
    if (threadIdx.x < half) shared[threadIdx.x] = op(shared[threadIdx.x], shared[threadIdx.x + half]);
    __syncthreads();
  }
  const T result = shared[0];
  __syncthreads();  // shared may be reused by the caller's next reduction
  return result;
}

// A block per row: the row's maximum, the sum of exp(x - max) in double (as on the CPU), then y.
__global__ void log_softmax_forward_kernel(const float* __restrict x, int64_t cols, float* __restrict y,
                                           int64_t first_row) {
  __shared__ float max_shared[kThreads];
  __shared__ double sum_shared[kThreads];
  const int64_t row = first_row + blockIdx.y;
  const float* in = x + row * cols;
  float max = -FLT_MAX;
  for (int64_t j = threadIdx.x; j < cols; j += kThreads) max = fmaxf(max, in[j]);
  max = block_reduce(max, max_shared, [](float a, float b) { return fmaxf(a, b); });
  double sum = 0;
  for (int64_t j = threadIdx.x; j < cols; j += kThreads) sum += expf(in[j] - max);
  sum = block_reduce(sum, sum_shared, [](double a, double b) { return a + b; });
  const float shift = max + static_cast<float>(log(sum));
  for (int64_t j = threadIdx.x; j < cols; j += kThreads) y[row * cols + j] = in[j] - shift;
}

// dx = dy - exp(y) * (row sum of dy), the sum in double.
__global__ void log_softmax_backward_kernel(const float* __restrict y, const float* __restrict dy, int64_t cols,
                                            float* __restrict dx, int64_t first_row) {
  __shared__ double sum_shared[kThreads];
  const int64_t row = first_row + blockIdx.y, at = row * cols;
  double sum = 0;
  for (int64_t j = threadIdx.x; j < cols; j += kThreads) sum += dy[at + j];
  const float total = static_cast<float>(block_reduce(sum, sum_shared, [](double a, double b) { return a + b; }));
  for (int64_t j = threadIdx.x; j < cols; j += kThreads) dx[at + j] = dy[at + j] - expf(y[at + j]) * total;
}

// Queues nothing for n == 0; else launches and waits, so errors surface in this call.
template <class Launch>
void run_elements(int device, int64_t n, Launch launch) {
  CTC4J_CUDA_CHECK(cudaSetDevice(device));
  if (n == 0) return;
  launch(grid_stride_blocks(n, kThreads));
  CTC4J_CUDA_CHECK_LAUNCH();
  CTC4J_CUDA_CHECK(cudaStreamSynchronize(cudaStreamPerThread));
}

// A block per row, rows along y in chunks of the grid's limit.
template <class Launch>
void run_rows(int device, int64_t rows, Launch launch) {
  CTC4J_CUDA_CHECK(cudaSetDevice(device));
  if (rows == 0) return;
  launch_rows(rows, launch);
  CTC4J_CUDA_CHECK(cudaStreamSynchronize(cudaStreamPerThread));
}

}  // namespace

void nn::accumulate(float* y, const float* x, int64_t n) {
  if (n == 0) return;
  accumulate_kernel<<<grid_stride_blocks(n, kThreads), kThreads, 0, cudaStreamPerThread>>>(y, x, n);
  CTC4J_CUDA_CHECK_LAUNCH();
}

extern "C" {

int ctc4jcu_linear_forward(int device, int64_t rows, int64_t in, int64_t out, const float* w, const float* bias,
                           const float* x, float* y) {
  return guarded([&] {
    CTC4J_CUDA_CHECK(cudaSetDevice(device));
    if (rows == 0) return;
    if (bias != nullptr) {
      const unsigned blocks = grid_stride_blocks(rows * out, kThreads);
      broadcast_rows_kernel<<<blocks, kThreads, 0, cudaStreamPerThread>>>(bias, rows, out, y);
      CTC4J_CUDA_CHECK_LAUNCH();
    }
    nn::gemm(false, true, rows, out, in, 1.0f, x, in, w, in, bias != nullptr ? 1.0f : 0.0f, y, out);
    CTC4J_CUDA_CHECK(cudaStreamSynchronize(cudaStreamPerThread));
  });
}

int ctc4jcu_linear_backward(int device, int64_t rows, int64_t in, int64_t out, const float* w, const float* x,
                            const float* dy, float* dx, float* dw, float* dbias) {
  return guarded([&] {
    CTC4J_CUDA_CHECK(cudaSetDevice(device));
    if (dx != nullptr) nn::gemm(false, false, rows, in, out, 1.0f, dy, out, w, in, 0.0f, dx, in);
    if (dw != nullptr && rows > 0) nn::gemm(true, false, out, in, rows, 1.0f, dy, out, x, in, 1.0f, dw, in);
    if (dbias != nullptr && rows > 0) {
      add_column_sums_kernel<<<grid_x((out + kSumColumns - 1) / kSumColumns), dim3(kSumColumns, kSumRows), 0,
                               cudaStreamPerThread>>>(dy, rows, out, dbias);
      CTC4J_CUDA_CHECK_LAUNCH();
    }
    CTC4J_CUDA_CHECK(cudaStreamSynchronize(cudaStreamPerThread));
  });
}

int ctc4jcu_add(int device, const float* a, const float* b, float* out, int64_t n) {
  return guarded([&] {
    run_elements(device, n, [&](unsigned blocks) {
      binary_kernel<false><<<blocks, kThreads, 0, cudaStreamPerThread>>>(a, b, out, n);
    });
  });
}

int ctc4jcu_multiply(int device, const float* a, const float* b, float* out, int64_t n) {
  return guarded([&] {
    run_elements(device, n, [&](unsigned blocks) {
      binary_kernel<true><<<blocks, kThreads, 0, cudaStreamPerThread>>>(a, b, out, n);
    });
  });
}

int ctc4jcu_sum_halves(int device, const float* x, int64_t rows, int64_t half, float* out) {
  return guarded([&] {
    run_elements(device, rows * half, [&](unsigned blocks) {
      sum_halves_kernel<<<blocks, kThreads, 0, cudaStreamPerThread>>>(x, rows, half, out);
    });
  });
}

int ctc4jcu_repeat_halves(int device, const float* x, int64_t rows, int64_t half, float* out) {
  return guarded([&] {
    run_elements(device, rows * 2 * half, [&](unsigned blocks) {
      repeat_halves_kernel<<<blocks, kThreads, 0, cudaStreamPerThread>>>(x, rows, half, out);
    });
  });
}

int ctc4jcu_mask_frames(int device, float* x, int64_t batch, int64_t rows, int64_t steps, const int32_t* lengths) {
  return guarded([&] {
    CTC4J_CUDA_CHECK(cudaSetDevice(device));
    const DeviceBuffer<int32_t> on_device(lengths, batch);
    run_elements(device, batch * rows * steps, [&](unsigned blocks) {
      mask_frames_kernel<<<blocks, kThreads, 0, cudaStreamPerThread>>>(x, rows, steps, on_device.get(),
                                                                        batch * rows * steps);
    });
  });
}

int ctc4jcu_permute(int device, const PermuteGeometry* geometry, const float* x, float* y) {
  return guarded([&] {
    run_elements(device, geometry->total, [&](unsigned blocks) {
      permute_kernel<<<blocks, kThreads, 0, cudaStreamPerThread>>>(*geometry, x, y);
    });
  });
}

int ctc4jcu_activation_forward(int device, int kind, float lo, float hi, const float* x, float* y, int64_t n) {
  return guarded([&] {
    run_elements(device, n, [&](unsigned blocks) {
      activation_forward_kernel<<<blocks, kThreads, 0, cudaStreamPerThread>>>(kind, lo, hi, x, y, n);
    });
  });
}

int ctc4jcu_activation_backward(int device, int kind, float lo, float hi, const float* x, const float* dy,
                                float* dx, int64_t n) {
  return guarded([&] {
    run_elements(device, n, [&](unsigned blocks) {
      activation_backward_kernel<<<blocks, kThreads, 0, cudaStreamPerThread>>>(kind, lo, hi, x, dy, dx, n);
    });
  });
}

int ctc4jcu_dropout_forward(int device, float p, uint64_t seed, const float* x, float* y, float* mask, int64_t n) {
  return guarded([&] {
    run_elements(device, n, [&](unsigned blocks) {
      dropout_forward_kernel<<<blocks, kThreads, 0, cudaStreamPerThread>>>(p, 1.0f / (1.0f - p), seed, x, y, mask, n);
    });
  });
}

int ctc4jcu_log_softmax_forward(int device, const float* x, int64_t rows, int64_t cols, float* y) {
  return guarded([&] {
    run_rows(device, rows, [&](unsigned blocks_y, int64_t first) {
      log_softmax_forward_kernel<<<dim3(1, blocks_y), kThreads, 0, cudaStreamPerThread>>>(x, cols, y, first);
    });
  });
}

int ctc4jcu_log_softmax_backward(int device, const float* y, const float* dy, int64_t rows, int64_t cols, float* dx) {
  return guarded([&] {
    run_rows(device, rows, [&](unsigned blocks_y, int64_t first) {
      log_softmax_backward_kernel<<<dim3(1, blocks_y), kThreads, 0, cudaStreamPerThread>>>(y, dy, cols, dx, first);
    });
  });
}

}  // extern "C"
