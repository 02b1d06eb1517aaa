// Fused-attention kernels (cpu/transformer_kernel.h). The register tiles are written with GCC
// vector types of the build's register width, so each tile's accumulators stay in registers: plain
// loops over lane arrays got vectorised across the tile's rows with shuffles, at a tenth of the speed.
// The two products and the softmax have 512-bit paths chosen at run time.
#include <cmath>
#include <cstring>

#include "common/transformer_math.h"
#include "cpu/transformer_kernel.h"

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace ctc4j::simd::CTC4J_SIMD_NAMESPACE {
namespace {

#if defined(__AVX__)
typedef float Vec __attribute__((vector_size(32)));
#else
typedef float Vec __attribute__((vector_size(16)));
#endif
constexpr int kLanes = sizeof(Vec) / sizeof(float);
constexpr int kVecs = kAttentionColumnGroup / kLanes;  // vectors across a tile
constexpr int kTileRows = 6;  // query rows per register tile: with AVX, 12 accumulators, 2 loads, a broadcast

inline Vec load(const float* p) {
  Vec v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline void store(float* p, Vec v) { std::memcpy(p, &v, sizeof v); }

// s[r, 0..15] = sum_d q[r, d] kt[d, 0..15] for Rows rows (kt has row stride ld_kt, s `cols`).
template <int Rows>
void scores_tile(const float* __restrict q, int64_t dim, const float* __restrict kt, int64_t ld_kt, int64_t cols,
                 float* __restrict s) {
  Vec acc[Rows][kVecs] = {};
  for (int64_t d = 0; d < dim; ++d) {
    Vec k[kVecs];
    for (int c = 0; c < kVecs; ++c) k[c] = load(kt + d * ld_kt + c * kLanes);
    for (int r = 0; r < Rows; ++r) {
      const float qv = q[r * dim + d];
      for (int c = 0; c < kVecs; ++c) acc[r][c] += qv * k[c];
    }
  }
  for (int r = 0; r < Rows; ++r)
    for (int c = 0; c < kVecs; ++c) store(s + r * cols + c * kLanes, acc[r][c]);
}

// o[r, 0..15] += sum_j p[r, j] v[j, 0..15] for Rows rows.
template <int Rows>
void accumulate_tile(const float* __restrict p, int64_t cols, int64_t stride, const float* __restrict v,
                     int64_t ld_v, float* __restrict o, int64_t ld_o) {
  Vec acc[Rows][kVecs];
  for (int r = 0; r < Rows; ++r)
    for (int c = 0; c < kVecs; ++c) acc[r][c] = load(o + r * ld_o + c * kLanes);
  for (int64_t j = 0; j < cols; ++j) {
    Vec vj[kVecs];
    for (int c = 0; c < kVecs; ++c) vj[c] = load(v + j * ld_v + c * kLanes);
    for (int r = 0; r < Rows; ++r) {
      const float pr = p[r * stride + j];
      for (int c = 0; c < kVecs; ++c) acc[r][c] += pr * vj[c];
    }
  }
  for (int r = 0; r < Rows; ++r)
    for (int c = 0; c < kVecs; ++c) store(o + r * ld_o + c * kLanes, acc[r][c]);
}

#if defined(__AVX2__)
#define CTC4J_AVX512 __attribute__((target("avx512f")))

// scores_tile at 512 bits over G adjacent column groups (16 G columns): Rows x G accumulators, each
// kt vector loaded once for the rows; the same per-element order over d.
template <int Rows, int G>
CTC4J_AVX512 void scores_tile_avx512(const float* __restrict q, int64_t dim, const float* __restrict kt,
                                     int64_t ld_kt, int64_t cols, float* __restrict s) {
  __m512 acc[Rows][G];
  for (int r = 0; r < Rows; ++r)
    for (int g = 0; g < G; ++g) acc[r][g] = _mm512_setzero_ps();
  for (int64_t d = 0; d < dim; ++d) {
    __m512 k[G];
    for (int g = 0; g < G; ++g) k[g] = _mm512_loadu_ps(kt + d * ld_kt + 16 * g);
    for (int r = 0; r < Rows; ++r) {
      const __m512 qv = _mm512_set1_ps(q[r * dim + d]);
      for (int g = 0; g < G; ++g) acc[r][g] = _mm512_fmadd_ps(qv, k[g], acc[r][g]);
    }
  }
  for (int r = 0; r < Rows; ++r)
    for (int g = 0; g < G; ++g) _mm512_storeu_ps(s + r * cols + 16 * g, acc[r][g]);
}

// accumulate_tile at 512 bits over V vectors of output columns (16 V): Rows x V accumulators.
template <int Rows, int V>
CTC4J_AVX512 void accumulate_tile_avx512(const float* __restrict p, int64_t cols, int64_t stride,
                                         const float* __restrict v, int64_t ld_v, float* __restrict o, int64_t ld_o) {
  __m512 acc[Rows][V];
  for (int r = 0; r < Rows; ++r)
    for (int c = 0; c < V; ++c) acc[r][c] = _mm512_loadu_ps(o + r * ld_o + 16 * c);
  for (int64_t j = 0; j < cols; ++j) {
    __m512 vj[V];
    for (int c = 0; c < V; ++c) vj[c] = _mm512_loadu_ps(v + j * ld_v + 16 * c);
    for (int r = 0; r < Rows; ++r) {
      const __m512 pr = _mm512_set1_ps(p[r * stride + j]);
      for (int c = 0; c < V; ++c) acc[r][c] = _mm512_fmadd_ps(pr, vj[c], acc[r][c]);
    }
  }
  for (int r = 0; r < Rows; ++r)
    for (int c = 0; c < V; ++c) _mm512_storeu_ps(o + r * ld_o + 16 * c, acc[r][c]);
}
#endif

// The row tiles of one column group: full tiles, then one row at a time.
template <class Tile, class Single>
void by_row_tiles(int64_t rows, Tile&& tile, Single&& single) {
  int64_t i = 0;
  for (; i + kTileRows <= rows; i += kTileRows) tile(i);
  for (; i < rows; ++i) single(i);
}

}  // namespace

#if defined(__AVX2__)
namespace {

// The row tiles of the scores' G column groups from column j, and of the output's V vectors from c.
template <int G>
CTC4J_AVX512 void scores_columns_avx512(const float* q, int64_t rows, int64_t dim, const float* kt, int64_t ld_kt,
                                        int64_t cols, float* s, int64_t j) {
  by_row_tiles(
      rows, [&](int64_t i) { scores_tile_avx512<kTileRows, G>(q + i * dim, dim, kt + j, ld_kt, cols, s + i * cols + j); },
      [&](int64_t i) { scores_tile_avx512<1, G>(q + i * dim, dim, kt + j, ld_kt, cols, s + i * cols + j); });
}

template <int V>
CTC4J_AVX512 void accumulate_columns_avx512(const float* p, int64_t rows, int64_t cols, int64_t stride,
                                            const float* v, int64_t ld_v, int64_t dim, float* o, int64_t c) {
  by_row_tiles(
      rows,
      [&](int64_t i) {
        accumulate_tile_avx512<kTileRows, V>(p + i * stride, cols, stride, v + c, ld_v, o + i * dim + c, dim);
      },
      [&](int64_t i) { accumulate_tile_avx512<1, V>(p + i * stride, cols, stride, v + c, ld_v, o + i * dim + c, dim); });
}

}  // namespace

// 32 columns at a time (12 accumulators for six rows; one group of 16 gave six, each FMA waiting on the
// one before), then a last group of 16.
CTC4J_AVX512 void attention_scores_avx512(const float* q, int64_t rows, int64_t dim, const float* kt, int64_t ld_kt,
                                          int64_t cols, float* s) {
  int64_t j = 0;
  for (; j + 32 <= cols; j += 32) scores_columns_avx512<2>(q, rows, dim, kt, ld_kt, cols, s, j);
  if (j < cols) scores_columns_avx512<1>(q, rows, dim, kt, ld_kt, cols, s, j);
}

// Output columns 64 at a time (24 accumulators for six rows), then 16 at a time; the rest as below.
CTC4J_AVX512 int64_t attention_accumulate_avx512(const float* p, int64_t rows, int64_t cols, int64_t stride,
                                                 const float* v, int64_t ld_v, int64_t dim, float* o) {
  int64_t c = 0;
  for (; c + 64 <= dim; c += 64) accumulate_columns_avx512<4>(p, rows, cols, stride, v, ld_v, dim, o, c);
  for (; c + 16 <= dim; c += 16) accumulate_columns_avx512<1>(p, rows, cols, stride, v, ld_v, dim, o, c);
  return c;
}
#endif

void attention_scores(const float* q, int64_t rows, int64_t dim, const float* kt, int64_t ld_kt, int64_t cols,
                      float* s) {
#if defined(__AVX2__)
  if (has_avx512f()) return attention_scores_avx512(q, rows, dim, kt, ld_kt, cols, s);
#endif
  for (int64_t j = 0; j < cols; j += kAttentionColumnGroup) {
    by_row_tiles(
        rows, [&](int64_t i) { scores_tile<kTileRows>(q + i * dim, dim, kt + j, ld_kt, cols, s + i * cols + j); },
        [&](int64_t i) { scores_tile<1>(q + i * dim, dim, kt + j, ld_kt, cols, s + i * cols + j); });
  }
}

namespace {

// attention_softmax_block's rows over lane arrays of Lanes floats, which the caller's build vectorises.
template <int Lanes>
__attribute__((always_inline)) inline void softmax_rows(float* s, int64_t rows, int64_t cols, int64_t stride,
                                                        float* max, float* sum, float* o, int64_t dim) {
  for (int64_t i = 0; i < rows; ++i) {
    float* row = s + i * stride;
    float lane_max[Lanes];
    for (int l = 0; l < Lanes; ++l) lane_max[l] = -INFINITY;
    int64_t j = 0;
    for (; j + Lanes <= cols; j += Lanes)
      for (int l = 0; l < Lanes; ++l) lane_max[l] = row[j + l] > lane_max[l] ? row[j + l] : lane_max[l];
    float block_max = -INFINITY;
    for (; j < cols; ++j) block_max = row[j] > block_max ? row[j] : block_max;
    for (int l = 0; l < Lanes; ++l) block_max = lane_max[l] > block_max ? lane_max[l] : block_max;
    const float rescale = online_softmax_rescale(max[i], block_max);
    const float m = max[i] > block_max ? max[i] : block_max;
    float lane_sum[Lanes] = {};
    j = 0;
    for (; j + Lanes <= cols; j += Lanes) {
      for (int l = 0; l < Lanes; ++l) {
        row[j + l] = fast_exp(row[j + l] - m);
        lane_sum[l] += row[j + l];
      }
    }
    float total = 0.0f;
    for (; j < cols; ++j) total += row[j] = fast_exp(row[j] - m);
    for (int l = 0; l < Lanes; ++l) total += lane_sum[l];
    sum[i] = sum[i] * rescale + total;
    max[i] = m;
    if (rescale != 1.0f)
      for (int64_t d = 0; d < dim; ++d) o[i * dim + d] *= rescale;
  }
}

#if defined(__AVX2__)
// 16 lanes where the CPU has AVX-512F (GCC's default width is 256 bits even then): wav2vec2's attention
// over 499 frames, 12 heads, 7.4 against 7.9 ms a layer (runs interleaved with the 8-lane build).
__attribute__((target("avx2,fma,avx512f,prefer-vector-width=512"))) void softmax_rows_avx512(
    float* s, int64_t rows, int64_t cols, int64_t stride, float* max, float* sum, float* o, int64_t dim) {
  softmax_rows<16>(s, rows, cols, stride, max, sum, o, dim);
}
#endif

}  // namespace

void attention_softmax_block(float* s, int64_t rows, int64_t cols, int64_t stride, float* max, float* sum, float* o,
                             int64_t dim) {
#if defined(__AVX2__)
  if (has_avx512f()) return softmax_rows_avx512(s, rows, cols, stride, max, sum, o, dim);
#endif
  softmax_rows<kLanes>(s, rows, cols, stride, max, sum, o, dim);
}

void attention_accumulate(const float* p, int64_t rows, int64_t cols, int64_t stride, const float* v, int64_t ld_v,
                          int64_t dim, float* o) {
  int64_t c = 0;
#if defined(__AVX2__)
  if (has_avx512f()) c = attention_accumulate_avx512(p, rows, cols, stride, v, ld_v, dim, o);
#endif
  for (; c + kAttentionColumnGroup <= dim; c += kAttentionColumnGroup) {
    by_row_tiles(
        rows,
        [&](int64_t i) { accumulate_tile<kTileRows>(p + i * stride, cols, stride, v + c, ld_v, o + i * dim + c, dim); },
        [&](int64_t i) { accumulate_tile<1>(p + i * stride, cols, stride, v + c, ld_v, o + i * dim + c, dim); });
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
