// The float32 products of few rows (cpu/gemm_kernel.h): against weights as they lie, or packed once
// per call. Lane arrays of fixed width keep every reduction lane-wise, so the compiler vectorises them
// without reassociating; compiled once per instruction set, with 512-bit paths chosen at run time.
#include <algorithm>

#include "cpu/gemm_kernel.h"

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace ctc4j::simd::CTC4J_SIMD_NAMESPACE {
namespace {

constexpr int kLanes = 8;
constexpr int kRows = 12;  // weight rows per pass of gemm_nt_add: x loaded once for all; 12 measured fastest
constexpr int64_t kPanel = 24;  // packed_layout().panel without AVX-512

float dot(const float* a, const float* b, int64_t n) {
  float acc[kLanes] = {};
  int64_t k = 0;
  for (; k + kLanes <= n; k += kLanes)
    for (int l = 0; l < kLanes; ++l) acc[l] += a[k + l] * b[k + l];
  float sum = 0.0f;
  for (; k < n; ++k) sum += a[k] * b[k];
  for (int l = 0; l < kLanes; ++l) sum += acc[l];
  return sum;
}

// c[R, cols] += a[R, k] panel for a block of R rows: R * 24 accumulators stay in registers over k.
template <int R>
void packed_block(int64_t k, const float* __restrict a, int64_t lda, const float* __restrict panel,
                  float* __restrict c, int64_t ldc, int64_t cols) {
  float acc[R][kPanel] = {};
  for (int64_t kk = 0; kk < k; ++kk) {
    const float* b = panel + kk * kPanel;
    for (int i = 0; i < R; ++i) {
      const float av = a[i * lda + kk];
      for (int l = 0; l < kPanel; ++l) acc[i][l] += av * b[l];
    }
  }
  for (int i = 0; i < R; ++i)
    for (int64_t l = 0; l < cols; ++l) c[i * ldc + l] += acc[i][l];
}

#if defined(__AVX2__)
// gemm_nt_add and the packed product at 512 bits where the CPU has AVX-512F, chosen at run time as the int8
// product picks its VNNI builds: at batch 1 these products are most of a GRU's time.
#define CTC4J_AVX512 __attribute__((target("avx512f")))

// Lane r of the result: the sum of ar's 16 lanes, in a fixed tree (so a sum does not depend on the
// tile it ran in). By value: an accumulator array whose address is taken is stored on every FMA.
CTC4J_AVX512 inline __m128 sum4(__m512 a0, __m512 a1, __m512 a2, __m512 a3) {
  const __m512 zero = _mm512_setzero_ps();
  // per 128-bit lane: [a0 a1 a0 a1] and [a2 a3 a2 a3] pair sums, then [a0 a1 a2 a3]. (The masked forms
  // and extractions with an all-ones mask: GCC 12 warns on the undefined source of the plain ones.)
  const __mmask16 all = 0xffff;
  const __m512 t0 = _mm512_add_ps(_mm512_mask_unpacklo_ps(zero, all, a0, a1), _mm512_mask_unpackhi_ps(zero, all, a0, a1));
  const __m512 t1 = _mm512_add_ps(_mm512_mask_unpacklo_ps(zero, all, a2, a3), _mm512_mask_unpackhi_ps(zero, all, a2, a3));
  const __m512 u = _mm512_add_ps(_mm512_mask_shuffle_ps(zero, all, t0, t1, _MM_SHUFFLE(1, 0, 1, 0)),
                                 _mm512_mask_shuffle_ps(zero, all, t0, t1, _MM_SHUFFLE(3, 2, 3, 2)));
  const __m512d ud = _mm512_castps_pd(u);
  const __m256 h = _mm256_add_ps(_mm256_castpd_ps(_mm512_mask_extractf64x4_pd(_mm256_setzero_pd(), 0xff, ud, 0)),
                                 _mm256_castpd_ps(_mm512_mask_extractf64x4_pd(_mm256_setzero_pd(), 0xff, ud, 1)));
  return _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
}

// c[i, j] += a[i, :] . w[j, :] for a tile of Q rows of a and R rows of w: Q x R accumulators over k
// (the last partial vector through masked loads), each w vector loaded once for the Q rows. With `ahead`
// (R rows of w further on), each k step also prefetches their lines at the same offset into L1: rows of
// 1-2 KB are too short for the hardware prefetcher to ramp up, so a block's first touch from L2 (the
// recurrent weights) or L3 (the input projections') otherwise stalls.
template <int Q, int R>
CTC4J_AVX512 void nt_tile_avx512(int64_t k, const float* __restrict a, int64_t lda, const float* __restrict w,
                                 float* __restrict c, int64_t ldc, const float* ahead) {
  __m512 acc[Q][R];
#pragma GCC unroll 24
  for (int i = 0; i < Q; ++i)
    for (int j = 0; j < R; ++j) acc[i][j] = _mm512_setzero_ps();
  for (int64_t kk = 0; kk < k; kk += 16) {
    const __mmask16 mask = k - kk >= 16 ? __mmask16(0xffff) : __mmask16((1u << (k - kk)) - 1);
    __m512 wv[R];
#pragma GCC unroll 12
    for (int j = 0; j < R; ++j) wv[j] = _mm512_maskz_loadu_ps(mask, w + j * k + kk);
    if (ahead != nullptr) {
#pragma GCC unroll 12
      for (int j = 0; j < R; ++j) _mm_prefetch(reinterpret_cast<const char*>(ahead + j * k + kk), _MM_HINT_T0);
    }
#pragma GCC unroll 6
    for (int i = 0; i < Q; ++i) {
      const __m512 av = _mm512_maskz_loadu_ps(mask, a + i * lda + kk);
#pragma GCC unroll 12
      for (int j = 0; j < R; ++j) acc[i][j] = _mm512_fmadd_ps(av, wv[j], acc[i][j]);
    }
  }
  // unrolled, so every accumulator index is a constant and the array lives in registers alone
#pragma GCC unroll 6
  for (int i = 0; i < Q; ++i) {
#pragma GCC unroll 3
    for (int j = 0; j < R; j += 4) {
      const int left = R - j < 4 ? R - j : 4;
      float* ci = c + i * ldc + j;
      const __m512 zero = _mm512_setzero_ps();
      const __m128 sums = sum4(acc[i][j], left > 1 ? acc[i][j + 1] : zero, left > 2 ? acc[i][j + 2] : zero,
                               left > 3 ? acc[i][j + 3] : zero);
      if (left == 4) {
        _mm_storeu_ps(ci, _mm_add_ps(_mm_loadu_ps(ci), sums));
        continue;
      }
      alignas(16) float lanes[4];  // 128-bit masked stores would need AVX-512VL
      _mm_store_ps(lanes, sums);
      for (int l = 0; l < left; ++l) ci[l] += lanes[l];
    }
  }
}

// Rows of a in tiles of Q, for one block of R rows of w; the first tile prefetches `ahead` (or none).
template <int Q, int R>
CTC4J_AVX512 void nt_rows_avx512(int64_t m, int64_t k, const float* a, int64_t lda, const float* w, float* c,
                                 int64_t ldc, const float* ahead) {
  int64_t i = 0;
  for (; i + Q <= m; i += Q, ahead = nullptr) nt_tile_avx512<Q, R>(k, a + i * lda, lda, w, c + i * ldc, ldc, ahead);
  const float* ai = a + i * lda;
  float* ci = c + i * ldc;
  switch (m - i) {  // Q is 1 or 6
    case 5: nt_tile_avx512<5, R>(k, ai, lda, w, ci, ldc, ahead); break;
    case 4: nt_tile_avx512<4, R>(k, ai, lda, w, ci, ldc, ahead); break;
    case 3: nt_tile_avx512<3, R>(k, ai, lda, w, ci, ldc, ahead); break;
    case 2: nt_tile_avx512<2, R>(k, ai, lda, w, ci, ldc, ahead); break;
    case 1: nt_tile_avx512<1, R>(k, ai, lda, w, ci, ldc, ahead); break;
    default: break;
  }
}

// One row of a against 12 rows of w at a time (12 accumulators; the row is loaded once for all), more
// rows 6 x 4 (24 accumulators, 10 loads per 24 FMAs). Each w block stays in L1 across the rows of a.
template <int Q, int R>
CTC4J_AVX512 void gemm_nt_blocks_avx512(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                                        const float* w, float* c, int64_t ldc) {
  // each block prefetches the block two on (a little faster than the next one on cold weights; the tail
  // blocks prefetch none)
  const auto next = [&](int64_t row, int64_t rows) { return row + 3 * rows <= n ? w + (row + 2 * rows) * k : nullptr; };
  int64_t j = 0;
  for (; j + R <= n; j += R) nt_rows_avx512<Q, R>(m, k, a, lda, w + j * k, c + j, ldc, next(j, R));
  for (; j + 4 <= n; j += 4) nt_rows_avx512<Q, 4>(m, k, a, lda, w + j * k, c + j, ldc, next(j, 4));
  const float* wj = w + j * k;
  switch (n - j) {
    case 3: nt_rows_avx512<Q, 3>(m, k, a, lda, wj, c + j, ldc, nullptr); break;
    case 2: nt_rows_avx512<Q, 2>(m, k, a, lda, wj, c + j, ldc, nullptr); break;
    case 1: nt_rows_avx512<Q, 1>(m, k, a, lda, wj, c + j, ldc, nullptr); break;
    default: break;
  }
}

CTC4J_AVX512 void gemm_nt_add_avx512(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* w,
                                     float* c, int64_t ldc) {
  if (m == 1) return gemm_nt_blocks_avx512<1, 12>(m, n, k, a, lda, w, c, ldc);
  gemm_nt_blocks_avx512<6, 4>(m, n, k, a, lda, w, c, ldc);
}

constexpr int64_t kWidePanel = 64;  // packed_layout().panel with AVX-512: four 16-lane vectors

// packed_block at 512 bits: R rows x 64 columns are R * 4 accumulators, each b vector loaded once for
// the R rows; the same per-element order over k as packed_block.
template <int R>
CTC4J_AVX512 void packed_block_avx512(int64_t k, const float* __restrict a, int64_t lda,
                                      const float* __restrict panel, float* __restrict c, int64_t ldc, int64_t cols) {
  __m512 acc[R][4];
  for (int i = 0; i < R; ++i)
    for (int v = 0; v < 4; ++v) acc[i][v] = _mm512_setzero_ps();
  for (int64_t kk = 0; kk < k; ++kk) {
    const float* b = panel + kk * kWidePanel;
    // 16 rows (4 KB) ahead: with the weights in L3 (DeepSpeech2's 3 MB per direction) the hardware
    // prefetcher alone left ~10% of a layer's time waiting on them; in L2 it changes nothing
    const char* ahead = reinterpret_cast<const char*>(b + 16 * kWidePanel);
    for (int line = 0; line < 4; ++line) _mm_prefetch(ahead + 64 * line, _MM_HINT_T0);
    const __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16), b2 = _mm512_loadu_ps(b + 32),
                 b3 = _mm512_loadu_ps(b + 48);
    for (int i = 0; i < R; ++i) {
      const __m512 av = _mm512_set1_ps(a[i * lda + kk]);
      acc[i][0] = _mm512_fmadd_ps(av, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(av, b1, acc[i][1]);
      acc[i][2] = _mm512_fmadd_ps(av, b2, acc[i][2]);
      acc[i][3] = _mm512_fmadd_ps(av, b3, acc[i][3]);
    }
  }
  for (int v = 0; v < 4; ++v) {
    const int64_t left = cols - 16 * v;
    if (left <= 0) break;
    const __mmask16 mask = left >= 16 ? __mmask16(0xffff) : __mmask16((1u << left) - 1);
    for (int i = 0; i < R; ++i) {
      float* ci = c + i * ldc + 16 * v;
      _mm512_mask_storeu_ps(ci, mask, _mm512_add_ps(_mm512_maskz_loadu_ps(mask, ci), acc[i][v]));
    }
  }
}

CTC4J_AVX512 void gemm_packed_add_avx512(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                                         const float* packed, int64_t panel_begin, int64_t panel_end, float* c,
                                         int64_t ldc) {
  for (int64_t p = panel_begin; p < panel_end; ++p) {
    const float* panel = packed + p * k * kWidePanel;
    const int64_t col = p * kWidePanel, cols = std::min(kWidePanel, n - col);
    int64_t r = 0;
    for (; r + 6 <= m; r += 6) packed_block_avx512<6>(k, a + r * lda, lda, panel, c + r * ldc + col, ldc, cols);
    const float* ar = a + r * lda;
    float* cr = c + r * ldc + col;
    switch (m - r) {
      case 5: packed_block_avx512<5>(k, ar, lda, panel, cr, ldc, cols); break;
      case 4: packed_block_avx512<4>(k, ar, lda, panel, cr, ldc, cols); break;
      case 3: packed_block_avx512<3>(k, ar, lda, panel, cr, ldc, cols); break;
      case 2: packed_block_avx512<2>(k, ar, lda, panel, cr, ldc, cols); break;
      case 1: packed_block_avx512<1>(k, ar, lda, panel, cr, ldc, cols); break;
      default: break;
    }
  }
}
#endif

}  // namespace

PackedLayout packed_layout() {
#if defined(__AVX2__)
  if (has_avx512f()) return {kWidePanel, 1};
#endif
  return {kPanel, 5};
}

void gemm_packed_add(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* packed,
                     int64_t panel_begin, int64_t panel_end, float* c, int64_t ldc) {
#if defined(__AVX2__)
  if (has_avx512f()) return gemm_packed_add_avx512(m, n, k, a, lda, packed, panel_begin, panel_end, c, ldc);
#endif
  for (int64_t p = panel_begin; p < panel_end; ++p) {
    const float* panel = packed + p * k * kPanel;
    const int64_t col = p * kPanel, cols = std::min(kPanel, n - col);
    int64_t r = 0;
    for (; r + 4 <= m; r += 4) packed_block<4>(k, a + r * lda, lda, panel, c + r * ldc + col, ldc, cols);
    float* cr = c + r * ldc + col;
    if (m - r == 3) packed_block<3>(k, a + r * lda, lda, panel, cr, ldc, cols);
    if (m - r == 2) packed_block<2>(k, a + r * lda, lda, panel, cr, ldc, cols);
    if (m - r == 1) packed_block<1>(k, a + r * lda, lda, panel, cr, ldc, cols);
  }
}

void gemm_nt_add(int64_t batch, int64_t rows, int64_t cols, const float* __restrict x, int64_t ldx,
                 const float* __restrict w, float* __restrict y, int64_t ldy) {
#if defined(__AVX2__)
  if (has_avx512f()) return gemm_nt_add_avx512(batch, rows, cols, x, ldx, w, y, ldy);
#endif
  int64_t r = 0;
  for (; r + kRows <= rows; r += kRows) {  // the block of weight rows stays in L1 across the batch
    const float* wr = w + r * cols;
    for (int64_t b = 0; b < batch; ++b) {
      const float* xb = x + b * ldx;
      float acc[kRows][kLanes] = {};
      int64_t k = 0;
      for (; k + kLanes <= cols; k += kLanes)
        for (int i = 0; i < kRows; ++i)
          for (int l = 0; l < kLanes; ++l) acc[i][l] += wr[i * cols + k + l] * xb[k + l];
      for (int i = 0; i < kRows; ++i) {
        float sum = 0.0f;
        for (int64_t kk = k; kk < cols; ++kk) sum += wr[i * cols + kk] * xb[kk];
        for (int l = 0; l < kLanes; ++l) sum += acc[i][l];
        y[b * ldy + r + i] += sum;
      }
    }
  }
  for (; r < rows; ++r)
    for (int64_t b = 0; b < batch; ++b) y[b * ldy + r] += dot(w + r * cols, x + b * ldx, cols);
}

}  // namespace ctc4j::simd::CTC4J_SIMD_NAMESPACE
