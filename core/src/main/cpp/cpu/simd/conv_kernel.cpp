// The convolution product (cpu/conv_kernel.h): blocks of R weight rows x one column tile keep their
// sums in registers over a block of kk; the tile's rows stay in L2 for the next block of weight rows
// (at 512 bits, copied first into an aligned tile when the caller asks).
#include <algorithm>

#include "cpu/conv_kernel.h"
#include "support/scratch.h"

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace ctc4j::simd::CTC4J_SIMD_NAMESPACE {
namespace {

// kk per pass over a tile: 1024 rows of 64 columns (256 KB) and 32 weight rows of them (128 KB) fit L2.
constexpr int64_t kDepth = 1024;
constexpr int kLanes = kConvSegmentWidth;
constexpr int64_t kTileWidth = kConvTileSegments * kLanes;

// Up to four segments of the product's columns: where each starts and how many columns it has (0
// past the last; such a segment starts where the first does, so that its masked loads stay in b).
struct Tile {
  int64_t col[kConvTileSegments], count[kConvTileSegments];
  Tile(const ConvColumns& columns, int64_t first, int64_t end) {
    for (int64_t v = 0; v < kConvTileSegments; ++v) {
      col[v] = columns.start(first + v < end ? first + v : first);
      count[v] = first + v < end ? columns.count(first + v) : 0;
    }
  }
};

// Eight floats as one value (one ymm in the AVX2 build, two xmm in the generic one).
typedef float Vec8 __attribute__((vector_size(32)));

// c[R, col : col + kLanes] (+)= a[R, k] B[k, col : col + kLanes]: 2R vector sums in registers over k.
template <int R>
void block(int64_t k, const float* __restrict a, int64_t lda, const float* __restrict b, const int64_t* offsets,
           int64_t col, float* __restrict c, int64_t ldc, bool add) {
  Vec8 acc[R][2] = {};
  for (int64_t kk = 0; kk < k; ++kk) {
    const float* row = b + offsets[kk] + col;
    Vec8 b0, b1;  // unaligned loads (memcpy: no vector-returning helper, whose ABI differs per build)
    __builtin_memcpy(&b0, row, sizeof b0);
    __builtin_memcpy(&b1, row + 8, sizeof b1);
    for (int i = 0; i < R; ++i) {
      const float av = a[i * lda + kk];
      acc[i][0] += av * b0;
      acc[i][1] += av * b1;
    }
  }
  for (int i = 0; i < R; ++i)
    for (int l = 0; l < kLanes; ++l)
      c[i * ldc + col + l] = (add ? c[i * ldc + col + l] : 0.0f) + acc[i][l / 8][l % 8];
}

// A segment of fewer than kLanes columns: the same sums, scalar.
template <int R>
void tail_block(int64_t k, const float* a, int64_t lda, const float* b, const int64_t* offsets, int64_t col,
                int64_t cols, float* c, int64_t ldc, bool add) {
  for (int i = 0; i < R; ++i) {
    for (int64_t l = 0; l < cols; ++l) {
      float sum = 0.0f;
      for (int64_t kk = 0; kk < k; ++kk) sum += a[i * lda + kk] * b[offsets[kk] + col + l];
      c[i * ldc + col + l] = (add ? c[i * ldc + col + l] : 0.0f) + sum;
    }
  }
}

template <int R>
void rows_block(int64_t k, const float* a, int64_t lda, const float* b, const int64_t* offsets, const Tile& tile,
                float* c, int64_t ldc, bool add) {
  for (int64_t v = 0; v < kConvTileSegments && tile.count[v] > 0; ++v) {
    if (tile.count[v] == kLanes) block<R>(k, a, lda, b, offsets, tile.col[v], c, ldc, add);
    else tail_block<R>(k, a, lda, b, offsets, tile.col[v], tile.count[v], c, ldc, add);
  }
}

#if defined(__AVX2__)
#define CTC4J_AVX512 __attribute__((target("avx512f")))

// mask[v]: the lanes of segment v that hold columns.
struct ColumnMasks {
  __mmask16 mask[kConvTileSegments];
  explicit ColumnMasks(const Tile& tile) {
    for (int64_t v = 0; v < kConvTileSegments; ++v)
      mask[v] = tile.count[v] == kLanes ? __mmask16(0xffff) : __mmask16((1u << tile.count[v]) - 1);
  }
};

// The same at 512 bits, R rows x a tile's four segments in four zmm accumulators each: reading the
// column matrix in place (segment v of row kk at b + offsets[kk] + col[v], short segments' loads
// masked), or a packed tile (row kk at b + 64 kk, aligned, zero past each segment's columns: no split
// cache lines, no masks).
template <int R, bool kPacked>
CTC4J_AVX512 void block_avx512(int64_t k, const float* __restrict a, int64_t lda, const float* __restrict b,
                               const int64_t* offsets, const Tile& tile, float* __restrict c, int64_t ldc, bool add) {
  __m512 acc[R][4];
  for (int i = 0; i < R; ++i)
    for (int v = 0; v < 4; ++v) acc[i][v] = _mm512_setzero_ps();
  const ColumnMasks m(tile);
  const float *b0p = b + tile.col[0], *b1p = b + tile.col[1], *b2p = b + tile.col[2], *b3p = b + tile.col[3];
  for (int64_t kk = 0; kk < k; ++kk) {
    __m512 b0, b1, b2, b3;
    if constexpr (kPacked) {
      const float* row = b + kk * kTileWidth;
      b0 = _mm512_load_ps(row), b1 = _mm512_load_ps(row + 16), b2 = _mm512_load_ps(row + 32),
      b3 = _mm512_load_ps(row + 48);
    } else {
      const int64_t at = offsets[kk];
      b0 = _mm512_maskz_loadu_ps(m.mask[0], b0p + at), b1 = _mm512_maskz_loadu_ps(m.mask[1], b1p + at),
      b2 = _mm512_maskz_loadu_ps(m.mask[2], b2p + at), b3 = _mm512_maskz_loadu_ps(m.mask[3], b3p + at);
    }
    const float* ak = a + kk;
#pragma GCC unroll 6
    for (int i = 0; i < R; ++i) {
      const __m512 av = _mm512_set1_ps(ak[i * lda]);
      acc[i][0] = _mm512_fmadd_ps(av, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(av, b1, acc[i][1]);
      acc[i][2] = _mm512_fmadd_ps(av, b2, acc[i][2]);
      acc[i][3] = _mm512_fmadd_ps(av, b3, acc[i][3]);
    }
  }
#pragma GCC unroll 4
  for (int v = 0; v < 4; ++v) {
    const __mmask16 mask = m.mask[v];
#pragma GCC unroll 6
    for (int i = 0; i < R; ++i) {
      float* ci = c + i * ldc + tile.col[v];
      const __m512 sum = add ? _mm512_add_ps(_mm512_maskz_loadu_ps(mask, ci), acc[i][v]) : acc[i][v];
      _mm512_mask_storeu_ps(ci, mask, sum);
    }
  }
}

// tile[kk, 16 v : 16 v + 16] = segment v of row kk, zero past its columns. The rows kAhead on are
// prefetched: successive (channel, kernel row)s lie a whole column-matrix row apart, too far for the
// hardware prefetcher (DeepSpeech2's 21x11 conv over 10 s: 32.4 ms without, 29.0 ms with).
constexpr int64_t kAhead = 32;
CTC4J_AVX512 void pack_tile(int64_t k, const float* b, const int64_t* offsets, const Tile& tile,
                            float* __restrict packed) {
  const ColumnMasks m(tile);
  for (int64_t kk = 0; kk < k; ++kk) {
    if (kk + kAhead < k) {
      const float* next = b + offsets[kk + kAhead];
      for (int v = 0; v < 4; ++v) {  // a segment's 64 bytes span up to two lines
        _mm_prefetch(reinterpret_cast<const char*>(next + tile.col[v]), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(next + tile.col[v] + 15), _MM_HINT_T0);
      }
    }
    const float* row = b + offsets[kk];
    float* dst = packed + kk * kTileWidth;
#pragma GCC unroll 4
    for (int v = 0; v < 4; ++v) _mm512_store_ps(dst + 16 * v, _mm512_maskz_loadu_ps(m.mask[v], row + tile.col[v]));
  }
}

#endif

// Weight rows in blocks of 6 (24 zmm or 12 ymm accumulators), the last ones narrower: 7 or 8 rows
// left run as 4 + 3 or 4 + 4, not 6 + 1 or 6 + 2, whose last block loads the tile for too few FMAs.
template <class Block>
void over_rows(int64_t m, Block&& run) {
  int64_t r = 0;
  for (; r + 6 <= m && (m - r - 6 == 0 || m - r - 6 > 2); r += 6) run(std::integral_constant<int, 6>{}, r);
  if (m - r > 6) {
    run(std::integral_constant<int, 4>{}, r);
    r += 4;
  }
  switch (m - r) {
    case 5: run(std::integral_constant<int, 5>{}, r); break;
    case 4: run(std::integral_constant<int, 4>{}, r); break;
    case 3: run(std::integral_constant<int, 3>{}, r); break;
    case 2: run(std::integral_constant<int, 2>{}, r); break;
    case 1: run(std::integral_constant<int, 1>{}, r); break;
    default: break;
  }
}

}  // namespace

void gemm_row_offsets(int64_t m, int64_t k, const float* a, int64_t lda, const float* b, const int64_t* offsets,
                      const ConvColumns& columns, int64_t begin, int64_t end, float* c, int64_t ldc, bool pack_tiles) {
#if defined(__AVX2__)
  ScratchFrame scratch;
  // 256 KB: in L2
  float* packed = has_avx512f() && pack_tiles && k > 0 ? scratch.take<float>(kDepth * kTileWidth) : nullptr;
#endif
  for (int64_t first = begin; first < end; first += kConvTileSegments) {
    const Tile tile(columns, first, std::min(end, first + kConvTileSegments));
    if (k == 0) {
      for (int64_t i = 0; i < m; ++i)
        for (int64_t v = 0; v < kConvTileSegments; ++v) std::fill_n(c + i * ldc + tile.col[v], tile.count[v], 0.0f);
      continue;
    }
    for (int64_t k0 = 0; k0 < k; k0 += kDepth) {
      const int64_t depth = std::min(kDepth, k - k0);
      const bool add = k0 > 0;
#if defined(__AVX2__)
      if (has_avx512f()) {
        if (pack_tiles) {
          pack_tile(depth, b, offsets + k0, tile, packed);
          over_rows(m, [&](auto rows, int64_t r) {
            block_avx512<rows(), true>(depth, a + r * lda + k0, lda, packed, nullptr, tile, c + r * ldc, ldc, add);
          });
        } else {
          over_rows(m, [&](auto rows, int64_t r) {
            block_avx512<rows(), false>(depth, a + r * lda + k0, lda, b, offsets + k0, tile, c + r * ldc, ldc, add);
          });
        }
        continue;
      }
#endif
      over_rows(m, [&](auto rows, int64_t r) {
        rows_block<rows()>(depth, a + r * lda + k0, lda, b, offsets + k0, tile, c + r * ldc, ldc, add);
      });
    }
  }
}

}  // namespace ctc4j::simd::CTC4J_SIMD_NAMESPACE
