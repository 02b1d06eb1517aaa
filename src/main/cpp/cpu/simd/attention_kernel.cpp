// Fused-attention kernels (cpu/transformer_kernel.h). Fixed-size accumulator tiles keep every
// reduction lane-wise, so the compiler holds them in vector registers without reassociating.
#include <cmath>

#include "common/transformer_math.h"
#include "cpu/transformer_kernel.h"

namespace ctc4j::simd::CTC4J_SIMD_NAMESPACE {
namespace {

constexpr int kLanes = 8;
constexpr int kTileRows = 4;                                       // query rows per register tile
constexpr int kTileCols = static_cast<int>(kAttentionColumnGroup);  // two 8-lane vectors

template <int Rows>
void scores_tile(const float* __restrict q, int64_t dim, const float* __restrict kt, int64_t cols,
                 float* __restrict s) {
  float acc[Rows][kTileCols] = {};
  for (int64_t d = 0; d < dim; ++d) {
    const float* k = kt + d * cols;
    for (int r = 0; r < Rows; ++r) {
      const float qv = q[r * dim + d];
      for (int l = 0; l < kTileCols; ++l) acc[r][l] += qv * k[l];
    }
  }
  for (int r = 0; r < Rows; ++r)
    for (int l = 0; l < kTileCols; ++l) s[r * cols + l] = acc[r][l];
}

template <int Rows>
void accumulate_tile(const float* __restrict p, int64_t cols, int64_t stride, const float* __restrict v,
                     int64_t ld_v, float* __restrict o, int64_t ld_o) {
  float acc[Rows][kTileCols];
  for (int r = 0; r < Rows; ++r)
    for (int l = 0; l < kTileCols; ++l) acc[r][l] = o[r * ld_o + l];
  for (int64_t j = 0; j < cols; ++j) {
    const float* vj = v + j * ld_v;
    for (int r = 0; r < Rows; ++r) {
      const float pr = p[r * stride + j];
      for (int l = 0; l < kTileCols; ++l) acc[r][l] += pr * vj[l];
    }
  }
  for (int r = 0; r < Rows; ++r)
    for (int l = 0; l < kTileCols; ++l) o[r * ld_o + l] = acc[r][l];
}

}  // namespace

void attention_scores(const float* q, int64_t rows, int64_t dim, const float* kt, int64_t cols, float* s) {
  for (int64_t j = 0; j < cols; j += kTileCols) {
    int64_t i = 0;
    for (; i + kTileRows <= rows; i += kTileRows) scores_tile<kTileRows>(q + i * dim, dim, kt + j, cols, s + i * cols + j);
    for (; i < rows; ++i) scores_tile<1>(q + i * dim, dim, kt + j, cols, s + i * cols + j);
  }
}

void attention_softmax_block(float* s, int64_t rows, int64_t cols, int64_t stride, float* max, float* sum, float* o,
                             int64_t dim) {
  for (int64_t i = 0; i < rows; ++i) {
    float* row = s + i * stride;
    float lane_max[kLanes];
    for (int l = 0; l < kLanes; ++l) lane_max[l] = -INFINITY;
    int64_t j = 0;
    for (; j + kLanes <= cols; j += kLanes)
      for (int l = 0; l < kLanes; ++l) lane_max[l] = row[j + l] > lane_max[l] ? row[j + l] : lane_max[l];
    float block_max = -INFINITY;
    for (; j < cols; ++j) block_max = row[j] > block_max ? row[j] : block_max;
    for (int l = 0; l < kLanes; ++l) block_max = lane_max[l] > block_max ? lane_max[l] : block_max;

    const float rescale = online_softmax_rescale(max[i], block_max);
    const float m = max[i] > block_max ? max[i] : block_max;
    float lane_sum[kLanes] = {};
    j = 0;
    for (; j + kLanes <= cols; j += kLanes) {
      for (int l = 0; l < kLanes; ++l) {
        row[j + l] = fast_exp(row[j + l] - m);
        lane_sum[l] += row[j + l];
      }
    }
    float total = 0.0f;
    for (; j < cols; ++j) total += row[j] = fast_exp(row[j] - m);
    for (int l = 0; l < kLanes; ++l) total += lane_sum[l];
    sum[i] = sum[i] * rescale + total;
    max[i] = m;
    if (rescale != 1.0f)
      for (int64_t d = 0; d < dim; ++d) o[i * dim + d] *= rescale;
  }
}

void attention_accumulate(const float* p, int64_t rows, int64_t cols, int64_t stride, const float* v, int64_t ld_v,
                          int64_t dim, float* o) {
  int64_t c = 0;
  for (; c + kTileCols <= dim; c += kTileCols) {
    int64_t i = 0;
    for (; i + kTileRows <= rows; i += kTileRows)
      accumulate_tile<kTileRows>(p + i * stride, cols, stride, v + c, ld_v, o + i * dim + c, dim);
    for (; i < rows; ++i) accumulate_tile<1>(p + i * stride, cols, stride, v + c, ld_v, o + i * dim + c, dim);
  }
  for (; c < dim; ++c) {  // head sizes that are not a multiple of the tile width
    for (int64_t i = 0; i < rows; ++i) {
      float acc = 0.0f;
      for (int64_t j = 0; j < cols; ++j) acc += p[i * stride + j] * v[j * ld_v + c];
      o[i * dim + c] += acc;
    }
  }
}

}  // namespace ctc4j::simd::CTC4J_SIMD_NAMESPACE
