// Convolutions on the GPU (ctc4j_nn_conv2d_*, Conv1d as height 1): per utterance, im2col into a column
// matrix, the products through nn::gemm (cuBLAS) as the CPU's im2col path, and for the input gradient
// the column matrix's gradient gathered back (each input element sums its own entries: no atomics, the
// same result every run). The geometry and the per-element im2col / col2im are common/conv_geometry.h's,
// checked on the host against our CPU convolution by the harness (conv.index_math).
#include "check.cuh"
#include "common/conv_geometry.h"
#include "cuda_bridge/exports/nn.h"
#include "nn_blas.h"

using namespace ctc4j;

namespace {

constexpr int kThreads = 256;

__global__ void im2col_kernel(ConvGeometry g, const float* __restrict x, float* __restrict cols) {
  const int64_t n = g.channels * g.kh * g.kw * g.out_plane();
  for (int64_t e = grid_first(); e < n; e += grid_step()) cols[e] = g.column(x, e);
}

__global__ void col2im_kernel(ConvGeometry g, const float* __restrict cols, float* __restrict dx) {
  const int64_t n = g.channels * g.height * g.width;
  for (int64_t e = grid_first(); e < n; e += grid_step()) dx[e] = g.input_gradient(cols, e);
}

// y[o, p] = bias[o] over y[channels, plane]; the product then adds into it.
__global__ void bias_planes_kernel(const float* __restrict bias, int64_t channels, int64_t plane,
                                   float* __restrict y) {
  for (int64_t e = grid_first(); e < channels * plane; e += grid_step()) y[e] = bias[e / plane];
}

__global__ void fill_kernel(float* __restrict y, float value, int64_t n) {
  for (int64_t e = grid_first(); e < n; e += grid_step()) y[e] = value;
}

template <class Kernel, class... Args>
void launch(int64_t n, Kernel kernel, Args... args) {
  if (n == 0) return;
  kernel<<<grid_stride_blocks(n, kThreads), kThreads, 0, cudaStreamPerThread>>>(args...);
  CTC4J_CUDA_CHECK_LAUNCH();
}

int64_t input_size(const ConvGeometry& g) { return g.channels * g.height * g.width; }
int64_t output_size(const ConvGeometry& g) { return g.out_channels * g.out_plane(); }
int64_t column_size(const ConvGeometry& g) { return g.channels * g.kh * g.kw * g.out_plane(); }

// Group k's slices: its weights [group_out, patch], its column rows, its output channels.
const float* group_weights(const ConvGeometry& g, const float* w, int64_t k) {
  return w + k * g.group_out() * g.patch();
}
int64_t group_columns(const ConvGeometry& g, int64_t k) { return k * g.patch() * g.out_plane(); }
int64_t group_outputs(const ConvGeometry& g, int64_t k) { return k * g.group_out() * g.out_plane(); }

}  // namespace

extern "C" {

int ctc4jcu_conv2d_forward(int device, const ConvGeometry* geometry, const float* x, const float* w,
                           const float* bias, float* y) {
  return guarded([&] {
    CTC4J_CUDA_CHECK(cudaSetDevice(device));
    const ConvGeometry& g = *geometry;
    if (g.batch == 0 || g.out_plane() == 0) return;
    const DeviceBuffer<float> cols(column_size(g));
    const int64_t plane = g.out_plane();
    for (int64_t n = 0; n < g.batch; ++n) {
      float* y_n = y + n * output_size(g);
      launch(column_size(g), im2col_kernel, g, x + n * input_size(g), cols.get());
      if (bias != nullptr) launch(output_size(g), bias_planes_kernel, bias, g.out_channels, plane, y_n);
      for (int64_t k = 0; k < g.groups; ++k) {
        nn::gemm(false, false, g.group_out(), plane, g.patch(), 1.0f, group_weights(g, w, k), g.patch(),
                 cols.get() + group_columns(g, k), plane, bias != nullptr ? 1.0f : 0.0f, y_n + group_outputs(g, k),
                 plane);
      }
    }
    CTC4J_CUDA_CHECK(cudaStreamSynchronize(cudaStreamPerThread));
  });
}

int ctc4jcu_conv2d_backward(int device, const ConvGeometry* geometry, const float* x, const float* w,
                            const float* dy, float* dx, float* dw, float* dbias) {
  return guarded([&] {
    CTC4J_CUDA_CHECK(cudaSetDevice(device));
    const ConvGeometry& g = *geometry;
    if (g.batch == 0) return;
    const int64_t plane = g.out_plane();
    if (plane == 0) {  // no output: x reached nothing
      if (dx != nullptr) launch(g.batch * input_size(g), fill_kernel, dx, 0.0f, g.batch * input_size(g));
      CTC4J_CUDA_CHECK(cudaStreamSynchronize(cudaStreamPerThread));
      return;
    }
    const DeviceBuffer<float> cols(column_size(g)), ones(dbias != nullptr ? plane : 0);
    if (dbias != nullptr) launch(plane, fill_kernel, ones.get(), 1.0f, plane);
    for (int64_t n = 0; n < g.batch; ++n) {
      const float* dy_n = dy + n * output_size(g);
      if (dw != nullptr) {
        launch(column_size(g), im2col_kernel, g, x + n * input_size(g), cols.get());
        for (int64_t k = 0; k < g.groups; ++k) {
          nn::gemm(false, true, g.group_out(), g.patch(), plane, 1.0f, dy_n + group_outputs(g, k), plane,
                   cols.get() + group_columns(g, k), plane, 1.0f, dw + k * g.group_out() * g.patch(), g.patch());
        }
      }
      // dbias += dy_n's row sums, as a product with ones (cuBLAS's fixed order: the same sums every run).
      if (dbias != nullptr) nn::gemm(false, false, g.out_channels, 1, plane, 1.0f, dy_n, plane, ones.get(), 1, 1.0f,
                                     dbias, 1);
      if (dx != nullptr) {
        for (int64_t k = 0; k < g.groups; ++k) {
          nn::gemm(true, false, g.patch(), plane, g.group_out(), 1.0f, group_weights(g, w, k), g.patch(),
                   dy_n + group_outputs(g, k), plane, 0.0f, cols.get() + group_columns(g, k), plane);
        }
        launch(input_size(g), col2im_kernel, g, cols.get(), dx + n * input_size(g));
      }
    }
    CTC4J_CUDA_CHECK(cudaStreamSynchronize(cudaStreamPerThread));
  });
}

}  // extern "C"
