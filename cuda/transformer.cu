// CUDA transformer blocks: GELU, group norm (one block per group for the statistics, then an
// elementwise pass) and fused attention (one block per head and tile of queries; key and value tiles
// pass through shared memory under an online softmax, so no score row outlives its key tile).
#include <algorithm>
#include <string>

#include "check.cuh"
#include "common/transformer_math.h"
#include "cuda_bridge/exports/transformer.h"

namespace ctc4j {
namespace {

constexpr int kThreads = 256;
constexpr int kQueryTile = 16;            // query rows per attention block
constexpr int kKeyTile = 32;              // keys per online-softmax step: one per lane
constexpr int kAttentionThreads = 128;    // four warps, four query rows each
constexpr int64_t kMaxHeadDim = 128;

__global__ void gelu_kernel(const float* x, const float* residual, float* y, int64_t n) {
  for (int64_t i = grid_first(); i < n; i += grid_step()) {
    y[i] = (residual != nullptr ? residual[i] : 0.0f) + gelu(x[i]);
  }
}

// One block per group: sums in double over the group's steps x channels values, then the
// per-channel centre, scale and shift of the normalisation.
__global__ void group_stats_kernel(const float* x, int64_t steps, int64_t channels, int64_t group_channels,
                                   const float* gamma, const float* beta, float eps, float* centre, float* scale,
                                   float* shift) {
  __shared__ double sums[kThreads], squares[kThreads];
  const int64_t g = blockIdx.x, count = steps * group_channels;
  double sum = 0, sum_sq = 0;
  for (int64_t i = threadIdx.x; i < count; i += blockDim.x) {
    const double v = x[(i / group_channels) * channels + g * group_channels + i % group_channels];
    sum += v, sum_sq += v * v;
  }
  sums[threadIdx.x] = sum, squares[threadIdx.x] = sum_sq;
  __syncthreads();
  for (int half = blockDim.x / 2; half > 0; half /= 2) {
    if (threadIdx.x < half) sums[threadIdx.x] += sums[threadIdx.x + half], squares[threadIdx.x] += squares[threadIdx.x + half];
    __syncthreads();
  }
  for (int64_t c = g * group_channels + threadIdx.x; c < (g + 1) * group_channels; c += blockDim.x) {
    const GroupNormAffine a = group_norm_affine(sums[0], squares[0], double(count), eps, gamma ? gamma[c] : 1.0f,
                                                beta ? beta[c] : 0.0f);
    centre[c] = a.centre, scale[c] = a.scale, shift[c] = a.shift;
  }
}

__global__ void group_norm_kernel(const float* x, int64_t n, int64_t channels, const float* centre,
                                  const float* scale, const float* shift, int apply_gelu, float* y) {
  for (int64_t i = grid_first(); i < n; i += grid_step()) {
    const int64_t c = i % channels;
    const float v = group_norm_value(x[i], {centre[c], scale[c], shift[c]});
    y[i] = apply_gelu ? gelu(v) : v;
  }
}

// Rows of the shared key tile are one float longer than a key: lane j reads row j at the same
// column, and with rows of 32k floats all lanes would hit one bank (a 32-way conflict).
__host__ __device__ constexpr int64_t key_row(int64_t dim) { return dim + 1; }

__host__ __device__ constexpr int64_t attention_shared_floats(int64_t dim) {
  return kQueryTile * dim + kKeyTile * key_row(dim) + kKeyTile * dim + kQueryTile * kKeyTile;
}

// Shared memory: queries [kQueryTile, dim], keys [kKeyTile, key_row(dim)], values [kKeyTile, dim],
// probabilities [kQueryTile, kKeyTile]. Warp w owns query rows 4w .. 4w + 3; lane j owns key j of
// the tile for the scores and output columns j, j + 32, ... for the accumulation.
__global__ void attention_kernel(int64_t steps, int64_t dim, float scale, const float* q, int64_t ld_q,
                                 const float* k, int64_t ld_k, const float* v, int64_t ld_v, float* out,
                                 int64_t ld_out, int64_t first_head) {
  extern __shared__ float shared[];
  float* qs = shared;
  float* ks = qs + kQueryTile * dim;
  float* vs = ks + kKeyTile * key_row(dim);
  float* ps = vs + kKeyTile * dim;
  const int64_t h = first_head + blockIdx.y, i0 = int64_t(blockIdx.x) * kQueryTile;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  constexpr int kRowsPerWarp = kQueryTile / (kAttentionThreads / 32);
  constexpr int kColsPerLane = kMaxHeadDim / 32;

  for (int64_t e = threadIdx.x; e < kQueryTile * dim; e += blockDim.x) {
    const int64_t i = e / dim, d = e % dim;
    qs[e] = i0 + i < steps ? q[(i0 + i) * ld_q + h * dim + d] * scale : 0.0f;
  }
  float max[kRowsPerWarp], sum[kRowsPerWarp], acc[kRowsPerWarp][kColsPerLane];
  for (int r = 0; r < kRowsPerWarp; ++r) {
    max[r] = -INFINITY, sum[r] = 0.0f;
    for (int c = 0; c < kColsPerLane; ++c) acc[r][c] = 0.0f;
  }
  for (int64_t j0 = 0; j0 < steps; j0 += kKeyTile) {
    __syncthreads();  // the previous tile is consumed
    for (int64_t e = threadIdx.x; e < kKeyTile * dim; e += blockDim.x) {
      const int64_t j = e / dim, d = e % dim;
      const bool in = j0 + j < steps;
      ks[j * key_row(dim) + d] = in ? k[(j0 + j) * ld_k + h * dim + d] : 0.0f;
      vs[e] = in ? v[(j0 + j) * ld_v + h * dim + d] : 0.0f;
    }
    __syncthreads();
    const bool key_in = j0 + lane < steps;
    for (int r = 0; r < kRowsPerWarp; ++r) {
      const int i = warp * kRowsPerWarp + r;
      float s = 0.0f;
      for (int64_t d = 0; d < dim; ++d) s += qs[i * dim + d] * ks[lane * key_row(dim) + d];
      s = key_in ? s : -INFINITY;
      float block_max = s;
      for (int offset = 16; offset > 0; offset /= 2) block_max = fmaxf(block_max, __shfl_xor_sync(0xffffffffu, block_max, offset));
      const float rescale = online_softmax_rescale(max[r], block_max);
      max[r] = fmaxf(max[r], block_max);
      const float p = key_in ? fast_exp(s - max[r]) : 0.0f;
      float total = p;
      for (int offset = 16; offset > 0; offset /= 2) total += __shfl_xor_sync(0xffffffffu, total, offset);
      sum[r] = sum[r] * rescale + total;
      ps[i * kKeyTile + lane] = p;
      for (int c = 0; c < kColsPerLane; ++c) acc[r][c] *= rescale;
    }
    __syncwarp();
    for (int r = 0; r < kRowsPerWarp; ++r) {
      const int i = warp * kRowsPerWarp + r;
      for (int c = 0; c < kColsPerLane; ++c) {
        const int64_t d = lane + 32 * c;
        if (d >= dim) break;
        float a = acc[r][c];
        for (int j = 0; j < kKeyTile; ++j) a += ps[i * kKeyTile + j] * vs[j * dim + d];
        acc[r][c] = a;
      }
    }
  }
  for (int r = 0; r < kRowsPerWarp; ++r) {
    const int64_t i = i0 + warp * kRowsPerWarp + r;
    if (i >= steps) continue;
    for (int c = 0; c < kColsPerLane; ++c) {
      const int64_t d = lane + 32 * c;
      if (d < dim) out[i * ld_out + h * dim + d] = acc[r][c] / sum[r];
    }
  }
}

}  // namespace
}  // namespace ctc4j

using namespace ctc4j;

extern "C" {

int ctc4jcu_gelu(int device, const float* x, const float* residual, float* y, int64_t n) {
  return guarded([&] {
    CTC4J_CUDA_CHECK(cudaSetDevice(device));
    if (n == 0) return;
    gelu_kernel<<<grid_stride_blocks(n, kThreads), kThreads, 0, cudaStreamPerThread>>>(x, residual, y, n);
    CTC4J_CUDA_CHECK_LAUNCH();
    CTC4J_CUDA_CHECK(cudaStreamSynchronize(cudaStreamPerThread));
  });
}

int ctc4jcu_group_norm_time_major(int device, const float* x, int64_t steps, int64_t channels, int64_t groups,
                                  const float* gamma, const float* beta, float eps, int gelu, float* y) {
  return guarded([&] {
    CTC4J_CUDA_CHECK(cudaSetDevice(device));
    cudaStream_t stream = cudaStreamPerThread;
    const DeviceBuffer<float> affine(3 * channels);  // centre, scale, shift: [channels] each
    float* centre = affine.get();
    group_stats_kernel<<<grid_x(groups), kThreads, 0, stream>>>(x, steps, channels, channels / groups, gamma, beta,
                                                                eps, centre, centre + channels, centre + 2 * channels);
    CTC4J_CUDA_CHECK_LAUNCH();
    const int64_t n = steps * channels;
    if (n > 0) {
      group_norm_kernel<<<grid_stride_blocks(n, kThreads), kThreads, 0, stream>>>(
          x, n, channels, centre, centre + channels, centre + 2 * channels, gelu, y);
      CTC4J_CUDA_CHECK_LAUNCH();
    }
    CTC4J_CUDA_CHECK(cudaStreamSynchronize(stream));
  });
}

int ctc4jcu_attention(int device, int64_t steps, int64_t heads, int64_t head_dim, float scale, const float* q,
                      int64_t ld_q, const float* k, int64_t ld_k, const float* v, int64_t ld_v, float* out,
                      int64_t ld_out) {
  return guarded([&] {
    require(head_dim <= kMaxHeadDim, "CUDA attention supports head_dim up to " + std::to_string(kMaxHeadDim) +
                                         ", got " + std::to_string(head_dim));
    CTC4J_CUDA_CHECK(cudaSetDevice(device));
    if (steps == 0) return;
    const size_t shared = sizeof(float) * attention_shared_floats(head_dim);
    const unsigned query_blocks = grid_x((steps + kQueryTile - 1) / kQueryTile);
    launch_rows(heads, [&](unsigned rows, int64_t first) {
      attention_kernel<<<dim3(query_blocks, rows), kAttentionThreads, shared, cudaStreamPerThread>>>(
          steps, head_dim, scale, q, ld_q, k, ld_k, v, ld_v, out, ld_out, first);
    });
    CTC4J_CUDA_CHECK(cudaStreamSynchronize(cudaStreamPerThread));
  });
}

}  // extern "C"
