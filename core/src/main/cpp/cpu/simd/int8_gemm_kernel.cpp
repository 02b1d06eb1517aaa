// int8 kernels (cpu/int8_kernel.h), compiled once per instruction set.
//
// The AVX2 product is vpmaddubsw + vpmaddwd, exact in int32. vpmaddubsw multiplies u8 by s8 and adds
// pairs with s16 saturation; both operands here are symmetric int8 in [-127, 127], so it is fed |a|
// (vpabsb) and w with a's sign (vpsignb): the same products, each pair at most 2 * 127 * 127 = 32258,
// which never saturates. So weights and activations keep all 8 bits (no 7-bit weights, no zero
// point), and the generic build computes bit for bit the same integers. Where the CPU has AVX-VNNI,
// vpdpbusd takes the same two operands and does vpmaddubsw + vpmaddwd + vpaddd in one instruction
// (no intermediate saturation at all); it is compiled into the AVX2 build with a target attribute
// and chosen at run time beside it. AVX-512 has no vpsignb, so its build feeds vpdpbusd a + 128
// (unsigned, 1..255) and w as they are, and subtracts 128 * sum(w) per channel: one instruction per
// row and group of four k for a panel's 16 channels, exact in int32 (the sums wrap modulo 2^32 and
// the true result fits).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "common/quant_math.h"
#include "cpu/int8_kernel.h"

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace ctc4j::simd::CTC4J_SIMD_NAMESPACE {
namespace {

constexpr int kMaxRows = 4;  // rows per block: 4 x 2 accumulator vectors, with room for the operands

using Accumulators = int32_t[kMaxRows][kInt8Panel];

float row_max_abs(const float* x, int64_t cols);
int64_t quantize_vectors(const float* x, int64_t cols, float inverse_scale, int8_t* q);

#if defined(__AVX2__)

float row_max_abs(const float* x, int64_t cols) {
  const __m256 magnitude = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  __m256 m = _mm256_setzero_ps();
  int64_t k = 0;
  for (; k + 8 <= cols; k += 8) m = _mm256_max_ps(m, _mm256_and_ps(_mm256_loadu_ps(x + k), magnitude));
  float lanes[8];
  _mm256_storeu_ps(lanes, m);
  float best = 0.0f;
  for (float v : lanes) best = std::max(best, v);
  for (; k < cols; ++k) best = std::max(best, std::fabs(x[k]));
  return best;
}

// Quantizes 32 values at a time (round to nearest even, as quant::quantize); returns how many it did.
int64_t quantize_vectors(const float* x, int64_t cols, float inverse_scale, int8_t* q) {
  const __m256 inv = _mm256_set1_ps(inverse_scale);
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);  // undoes the packs' lane interleave
  const __m256i lowest = _mm256_set1_epi8(-127);
  int64_t k = 0;
  for (; k + 32 <= cols; k += 32) {
    __m256i v[4];
    for (int i = 0; i < 4; ++i) v[i] = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + k + 8 * i), inv));
    const __m256i packed = _mm256_packs_epi16(_mm256_packs_epi32(v[0], v[1]), _mm256_packs_epi32(v[2], v[3]));
    const __m256i in_order = _mm256_permutevar8x32_epi32(packed, order);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(q + k), _mm256_max_epi8(in_order, lowest));
  }
  return k;
}

// sum_lo / sum_hi (channels 0-7 / 8-15) += row a's four bytes of group g . the group's two weight vectors.
struct MaddDot {
  static inline void accumulate(const int8_t* a, __m256i w0, __m256i w1, __m256i& sum_lo, __m256i& sum_hi) {
    const __m256i ones = _mm256_set1_epi16(1);
    const __m256i av = _mm256_set1_epi32(_mm_cvtsi128_si32(_mm_loadu_si32(a)));  // a[4g .. 4g + 3] in every lane
    const __m256i magnitude = _mm256_abs_epi8(av);
    sum_lo = _mm256_add_epi32(sum_lo, _mm256_madd_epi16(_mm256_maddubs_epi16(magnitude, _mm256_sign_epi8(w0, av)), ones));
    sum_hi = _mm256_add_epi32(sum_hi, _mm256_madd_epi16(_mm256_maddubs_epi16(magnitude, _mm256_sign_epi8(w1, av)), ones));
  }
};

#define CTC4J_VNNI __attribute__((target("avx2,avxvnni")))

// The same with vpdpbusd: the same operands, the same integers.
struct VnniDot {
  CTC4J_VNNI static inline void accumulate(const int8_t* a, __m256i w0, __m256i w1, __m256i& sum_lo,
                                           __m256i& sum_hi) {
    const __m256i av = _mm256_set1_epi32(_mm_cvtsi128_si32(_mm_loadu_si32(a)));
    const __m256i magnitude = _mm256_abs_epi8(av);
    sum_lo = _mm256_dpbusd_avx_epi32(sum_lo, magnitude, _mm256_sign_epi8(w0, av));
    sum_hi = _mm256_dpbusd_avx_epi32(sum_hi, magnitude, _mm256_sign_epi8(w1, av));
  }
};

inline void store_row(__m256i lo, __m256i hi, int32_t* acc) {
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc), lo);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + 8), hi);
}

// acc[i][c] = sum over the panel's groups of a row i . channel c, for R rows of a. Named accumulators,
// not an array: GCC kept an array's vectors in memory as well as in registers.
template <int R, class Dot>
inline void block_of(int64_t groups, const int8_t* a, int64_t lda, const int8_t* panel, Accumulators& acc) {
  __m256i s0 = _mm256_setzero_si256(), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
  for (int64_t g = 0; g < groups; ++g) {
    const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(panel + g * 64));
    const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(panel + g * 64 + 32));
    const int8_t* ag = a + g * kInt8Group;
    Dot::accumulate(ag, w0, w1, s0, s1);
    if constexpr (R > 1) Dot::accumulate(ag + lda, w0, w1, s2, s3);
    if constexpr (R > 2) Dot::accumulate(ag + 2 * lda, w0, w1, s4, s5);
    if constexpr (R > 3) Dot::accumulate(ag + 3 * lda, w0, w1, s6, s7);
  }
  store_row(s0, s1, acc[0]);
  if constexpr (R > 1) store_row(s2, s3, acc[1]);
  if constexpr (R > 2) store_row(s4, s5, acc[2]);
  if constexpr (R > 3) store_row(s6, s7, acc[3]);
}

// The block kernels of one instruction set, by rows: run<R>(groups, a, lda, panel, acc) fills acc[0, R)
// with the panel's 16 channels.
struct PlainBlocks {
  template <int R>
  static void run(int64_t groups, const int8_t* a, int64_t lda, const int8_t* panel, Accumulators& acc) {
    block_of<R, MaddDot>(groups, a, lda, panel, acc);
  }
};

struct VnniBlocks {
  // flatten: inlined here, the block and its vpdpbusd calls compile under this function's target.
  template <int R>
  CTC4J_VNNI __attribute__((flatten)) static void run(int64_t groups, const int8_t* a, int64_t lda,
                                                      const int8_t* panel, Accumulators& acc) {
    block_of<R, VnniDot>(groups, a, lda, panel, acc);
  }
};

#define CTC4J_AVX512_VNNI __attribute__((target("avx2,fma,avx512f,avx512vnni")))

// acc += vpdpbusd(a unsigned, w signed), in place: with the intrinsic GCC 12 copied every accumulator
// to a scratch register and back around each vpdpbusd (two moves per product, some through the stack).
CTC4J_AVX512_VNNI inline void dpbusd(__m512i& acc, __m512i a, __m512i w) {
  asm("vpdpbusd %[w], %[a], %[acc]" : [acc] "+v"(acc) : [a] "v"(a), [w] "vm"(w));
}

// The AVX-512 VNNI product in tiles of R rows x P panels (up to 4 x 4: 16 accumulators, 16 chains of
// vpdpbusd in flight). Each group's P weight vectors are loaded once for the R rows and each row's
// four bytes broadcast (and offset) once for the P panels; one panel per tile left the kernel at a
// quarter of VNNI's rate, an xor and a broadcast per vpdpbusd. store(i, q, v) receives row i's exact
// products for the 16 channels of panel q, v = sum of (a + 128) w - 128 * the channel sums (wraps).
template <int R, int P, class Store>
CTC4J_AVX512_VNNI inline void vnni_tile(int64_t groups, const int8_t* a, int64_t lda, const int8_t* panels,
                                        int64_t panel_bytes, const int32_t* sums, Store& store) {
  const __m512i offset = _mm512_set1_epi8(static_cast<char>(0x80));  // a ^ 0x80 = a + 128 as unsigned
  __m512i acc[R][P];
#pragma GCC unroll 4
  for (int i = 0; i < R; ++i)
#pragma GCC unroll 4
    for (int q = 0; q < P; ++q) acc[i][q] = _mm512_setzero_si512();
  for (int64_t g = 0; g < groups; ++g) {
    __m512i w[P];
#pragma GCC unroll 4
    for (int q = 0; q < P; ++q) w[q] = _mm512_load_si512(panels + q * panel_bytes + g * 64);
#pragma GCC unroll 4
    for (int i = 0; i < R; ++i) {
      int32_t four;
      std::memcpy(&four, a + i * lda + g * kInt8Group, sizeof four);
      const __m512i av = _mm512_xor_si512(_mm512_set1_epi32(four), offset);
#pragma GCC unroll 4
      for (int q = 0; q < P; ++q) dpbusd(acc[i][q], av, w[q]);
    }
  }
#pragma GCC unroll 4
  for (int q = 0; q < P; ++q) {
    const __m512i correction = _mm512_mullo_epi32(_mm512_loadu_si512(sums + q * kInt8Panel), _mm512_set1_epi32(128));
#pragma GCC unroll 4
    for (int i = 0; i < R; ++i) store(i, q, _mm512_sub_epi32(acc[i][q], correction));
  }
}

// Rows [0, m) in tiles of four against P panels from `panels`; store(row, panel offset, v).
template <int P, class Store>
CTC4J_AVX512_VNNI inline void vnni_rows(int64_t m, int64_t groups, const int8_t* a, int64_t lda, const int8_t* panels,
                                        int64_t panel_bytes, const int32_t* sums, Store& store) {
  int64_t row = 0;
  auto at = [&](int64_t i, int64_t q, __m512i v) CTC4J_AVX512_VNNI { store(row + i, q, v); };
  for (; row + 4 <= m; row += 4) vnni_tile<4, P>(groups, a + row * lda, lda, panels, panel_bytes, sums, at);
  const int8_t* ar = a + row * lda;
  switch (m - row) {
    case 3: vnni_tile<3, P>(groups, ar, lda, panels, panel_bytes, sums, at); break;
    case 2: vnni_tile<2, P>(groups, ar, lda, panels, panel_bytes, sums, at); break;
    case 1: vnni_tile<1, P>(groups, ar, lda, panels, panel_bytes, sums, at); break;
    default: break;
  }
}

// store(row, panel, v) for every row of [0, m) and panel of [panel_begin, panel_end), four panels
// at a time (their 4 x 12 KB stay in L1 and L2 across the rows at k = 768).
template <class Store>
CTC4J_AVX512_VNNI void vnni_product(int64_t m, const Int8Panels& w, const int8_t* a, int64_t lda, int64_t panel_begin,
                                    int64_t panel_end, Store&& store) {
  const int64_t panel_bytes = w.groups * kInt8Panel * kInt8Group;
  for (int64_t p = panel_begin; p < panel_end; p += 4) {
    const int8_t* panels = w.packed + p * panel_bytes;
    const int32_t* sums = w.channel_sums + p * kInt8Panel;
    auto at = [&](int64_t row, int64_t q, __m512i v) CTC4J_AVX512_VNNI { store(row, p + q, v); };
    switch (std::min<int64_t>(4, panel_end - p)) {
      case 4: vnni_rows<4>(m, w.groups, a, lda, panels, panel_bytes, sums, at); break;
      case 3: vnni_rows<3>(m, w.groups, a, lda, panels, panel_bytes, sums, at); break;
      case 2: vnni_rows<2>(m, w.groups, a, lda, panels, panel_bytes, sums, at); break;
      default: vnni_rows<1>(m, w.groups, a, lda, panels, panel_bytes, sums, at); break;
    }
  }
}

// The lanes of panel p's 16 channels that exist (the last panel may hold fewer).
CTC4J_AVX512_VNNI inline __mmask16 panel_lanes(const Int8Panels& w, int64_t p) {
  const int64_t cols = std::min(kInt8Panel, w.n - p * kInt8Panel);
  return cols >= 16 ? __mmask16(0xffff) : __mmask16((1u << cols) - 1);
}

#else

float row_max_abs(const float* x, int64_t cols) {
  float best = 0.0f;
  for (int64_t k = 0; k < cols; ++k) best = std::max(best, std::fabs(x[k]));
  return best;
}

int64_t quantize_vectors(const float*, int64_t, float, int8_t*) { return 0; }

// The block kernel of this build, as the AVX2 build's (run<R> fills acc[0, R) with the panel's channels).
struct PlainBlocks {
  template <int R>
  static void run(int64_t groups, const int8_t* a, int64_t lda, const int8_t* panel, Accumulators& acc) {
    for (int i = 0; i < R; ++i) std::fill(acc[i], acc[i] + kInt8Panel, 0);
    for (int64_t g = 0; g < groups; ++g) {
      const int8_t* w = panel + g * kInt8Panel * kInt8Group;
      for (int i = 0; i < R; ++i) {
        const int8_t* ai = a + i * lda + g * kInt8Group;
        for (int64_t c = 0; c < kInt8Panel; ++c) {
          const int8_t* wc = w + c * kInt8Group;
          acc[i][c] += ai[0] * wc[0] + ai[1] * wc[1] + ai[2] * wc[2] + ai[3] * wc[3];
        }
      }
    }
  }
};

#endif

// store(row, rows, first column, columns, acc) for every block of rows [0, m) and panel.
template <class Blocks, class Store>
void for_blocks(int64_t m, const Int8Panels& w, const int8_t* a, int64_t lda, int64_t panel_begin,
                int64_t panel_end, Store&& store) {
  Accumulators acc;
  for (int64_t p = panel_begin; p < panel_end; ++p) {
    const int8_t* panel = w.packed + p * w.groups * kInt8Panel * kInt8Group;
    const int64_t col = p * kInt8Panel, cols = std::min(kInt8Panel, w.n - col);
    int64_t i = 0;
    for (; i + kMaxRows <= m; i += kMaxRows) {
      Blocks::template run<kMaxRows>(w.groups, a + i * lda, lda, panel, acc);
      store(i, kMaxRows, col, cols, acc);
    }
    const int64_t rest = m - i;
    if (rest == 3) Blocks::template run<3>(w.groups, a + i * lda, lda, panel, acc);
    if (rest == 2) Blocks::template run<2>(w.groups, a + i * lda, lda, panel, acc);
    if (rest == 1) Blocks::template run<1>(w.groups, a + i * lda, lda, panel, acc);
    if (rest > 0) store(i, rest, col, cols, acc);
  }
}

// acc dequantized into out for rows [row, row + rows) and columns [col, col + cols).
void store_dequantized(const Int8Output& out, int64_t row, int64_t rows, int64_t col, int64_t cols,
                       const Accumulators& acc) {
  for (int64_t i = 0; i < rows; ++i) {
    float* y = out.y + (row + i) * out.ldy + col;
    const float row_scale = out.row_scales[row + i];
    for (int64_t c = 0; c < cols; ++c) {
      float v = static_cast<float>(acc[i][c]) * (row_scale * out.col_scales[col + c]);
      if (out.bias != nullptr) v += out.bias[col + c];
      y[c] = out.accumulate ? y[c] + v : v;
    }
  }
}

template <class Blocks>
void gemm_dequantized(int64_t m, const Int8Panels& w, const int8_t* a, int64_t lda, int64_t panel_begin,
                      int64_t panel_end, const Int8Output& out) {
  for_blocks<Blocks>(m, w, a, lda, panel_begin, panel_end,
                     [&](int64_t row, int64_t rows, int64_t col, int64_t cols, const Accumulators& acc) {
                       store_dequantized(out, row, rows, col, cols, acc);
                     });
}

template <class Blocks>
void gemm_exact(int64_t m, const Int8Panels& w, const int8_t* a, int64_t lda, int64_t panel_begin,
                int64_t panel_end, int32_t* c, int64_t ldc) {
  for_blocks<Blocks>(m, w, a, lda, panel_begin, panel_end,
                     [&](int64_t row, int64_t rows, int64_t col, int64_t cols, const Accumulators& acc) {
                       for (int64_t i = 0; i < rows; ++i) std::copy_n(acc[i], cols, c + (row + i) * ldc + col);
                     });
}

}  // namespace

void quantize_rows(int64_t rows, int64_t cols, const float* x, int64_t ldx, int8_t* q, int64_t ldq, float* scales) {
  for (int64_t i = 0; i < rows; ++i) {
    const float* xi = x + i * ldx;
    int8_t* qi = q + i * ldq;
    const float max_abs = row_max_abs(xi, cols), inverse_scale = quant::inverse_scale_for(max_abs);
    scales[i] = quant::scale_for(max_abs);
    for (int64_t k = quantize_vectors(xi, cols, inverse_scale, qi); k < cols; ++k) {
      qi[k] = quant::quantize(xi[k], inverse_scale);
    }
    std::fill(qi + cols, qi + ldq, int8_t{0});
  }
}

void int8_gemm(int64_t m, const Int8Panels& w, const int8_t* a, int64_t lda, int64_t panel_begin, int64_t panel_end,
               const Int8Output& out) {
  gemm_dequantized<PlainBlocks>(m, w, a, lda, panel_begin, panel_end, out);
}

void int8_gemm_exact(int64_t m, const Int8Panels& w, const int8_t* a, int64_t lda, int64_t panel_begin,
                     int64_t panel_end, int32_t* c, int64_t ldc) {
  gemm_exact<PlainBlocks>(m, w, a, lda, panel_begin, panel_end, c, ldc);
}

#if defined(__AVX2__)
void int8_gemm_vnni(int64_t m, const Int8Panels& w, const int8_t* a, int64_t lda, int64_t panel_begin,
                    int64_t panel_end, const Int8Output& out) {
  gemm_dequantized<VnniBlocks>(m, w, a, lda, panel_begin, panel_end, out);
}

void int8_gemm_exact_vnni(int64_t m, const Int8Panels& w, const int8_t* a, int64_t lda, int64_t panel_begin,
                          int64_t panel_end, int32_t* c, int64_t ldc) {
  gemm_exact<VnniBlocks>(m, w, a, lda, panel_begin, panel_end, c, ldc);
}

// store_dequantized in vectors: the same operations in the same order, so the same floats.
CTC4J_AVX512_VNNI void int8_gemm_avx512_vnni(int64_t m, const Int8Panels& w, const int8_t* a, int64_t lda,
                                             int64_t panel_begin, int64_t panel_end, const Int8Output& out) {
  vnni_product(m, w, a, lda, panel_begin, panel_end, [&](int64_t row, int64_t p, __m512i exact) CTC4J_AVX512_VNNI {
    const __mmask16 lanes = panel_lanes(w, p);
    const int64_t col = p * kInt8Panel;
    float* y = out.y + row * out.ldy + col;
    const __m512 scale =
        _mm512_mul_ps(_mm512_set1_ps(out.row_scales[row]), _mm512_maskz_loadu_ps(lanes, out.col_scales + col));
    __m512 v = _mm512_mul_ps(_mm512_maskz_cvtepi32_ps(lanes, exact), scale);  // masked: GCC 12 warns on the plain form
    if (out.bias != nullptr) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(lanes, out.bias + col));
    if (out.accumulate) v = _mm512_add_ps(_mm512_maskz_loadu_ps(lanes, y), v);
    _mm512_mask_storeu_ps(y, lanes, v);
  });
}

CTC4J_AVX512_VNNI void int8_gemm_exact_avx512_vnni(int64_t m, const Int8Panels& w, const int8_t* a, int64_t lda,
                                                   int64_t panel_begin, int64_t panel_end, int32_t* c, int64_t ldc) {
  vnni_product(m, w, a, lda, panel_begin, panel_end, [&](int64_t row, int64_t p, __m512i exact) CTC4J_AVX512_VNNI {
    _mm512_mask_storeu_epi32(c + row * ldc + p * kInt8Panel, panel_lanes(w, p), exact);
  });
}
#endif

}  // namespace ctc4j::simd::CTC4J_SIMD_NAMESPACE
