// SIMD kernels of the int8 path (cpu/simd/int8_gemm_kernel.cpp): per-row quantization and the
// integer matrix product over weights packed in panels.
//
// Packed weights: the output channels (rows of w [n, k]) in panels of kInt8Panel, k padded with zeros
// to a multiple of 4. Panel p, group g of four k, channel c of the panel, byte j is
// w[p * kInt8Panel + c][4 g + j] at packed[((p * groups + g) * kInt8Panel + c) * 4 + j]: one 32-byte
// vector holds four consecutive k of eight channels, what vpmaddubsw + vpmaddwd reduce into eight
// int32 lanes.
#pragma once
#include <cstdint>

#include "cpu/simd.h"

namespace ctc4j {
constexpr int64_t kInt8Panel = 16;  // two vectors of eight int32 accumulators per row
constexpr int64_t kInt8Group = 4;

inline int64_t int8_groups(int64_t k) { return (k + kInt8Group - 1) / kInt8Group; }
inline int64_t int8_panels(int64_t n) { return (n + kInt8Panel - 1) / kInt8Panel; }
// Bytes of a quantized activation row: k padded to whole groups.
inline int64_t int8_row_bytes(int64_t k) { return int8_groups(k) * kInt8Group; }

// Packed weights as the products read them: n channels in panels, groups groups of four k, and each
// channel's sum of weights (int8_panels(n) * kInt8Panel of them, zero for padding channels), which the
// AVX-512 VNNI build needs because it multiplies a + 128 (unsigned) and subtracts 128 * that sum.
struct Int8Panels {
  const int8_t* packed;
  const int32_t* channel_sums;
  int64_t n, groups;
};

// Where a block of int32 products lands: y[i, j] = acc * row_scales[i] * col_scales[j] + bias[j]
// (bias may be null), added to y when accumulate.
struct Int8Output {
  float* y;
  int64_t ldy;
  const float* row_scales;
  const float* col_scales;
  const float* bias;
  bool accumulate;
};
}  // namespace ctc4j

// q[i, :] and scales[i] for rows i < rows of x: q = round(x / scale), scale = max|x_i| / 127; q rows
// are ldq bytes, zero past cols (ldq >= int8_row_bytes(cols)).
CTC4J_SIMD_DECLARE(void quantize_rows(int64_t rows, int64_t cols, const float* x, int64_t ldx, int8_t* q,
                                      int64_t ldq, float* scales))

// For rows [0, m) of a (int8, row stride lda, w.groups * 4 bytes used) and the panels [panel_begin,
// panel_end) of w: the products dequantized into out.
CTC4J_SIMD_DECLARE(void int8_gemm(int64_t m, const ctc4j::Int8Panels& w, const int8_t* a, int64_t lda,
                                  int64_t panel_begin, int64_t panel_end, const ctc4j::Int8Output& out))

// The same products as exact int32: c[i, j] for the channels of those panels (row stride ldc).
CTC4J_SIMD_DECLARE(void int8_gemm_exact(int64_t m, const ctc4j::Int8Panels& w, const int8_t* a, int64_t lda,
                                        int64_t panel_begin, int64_t panel_end, int32_t* c, int64_t ldc))

// Builds of the products for newer CPUs, in the AVX2 build only (target attributes, chosen at run time):
// AVX-VNNI (vpdpbusd on 256 bits, where simd::has_avx_vnni()) and AVX-512 VNNI (a panel's 16 channels
// in one 512-bit vpdpbusd per row, where simd::has_avx512_vnni()).
namespace ctc4j::simd::avx2 {
void int8_gemm_vnni(int64_t m, const ctc4j::Int8Panels& w, const int8_t* a, int64_t lda, int64_t panel_begin,
                    int64_t panel_end, const ctc4j::Int8Output& out);
void int8_gemm_exact_vnni(int64_t m, const ctc4j::Int8Panels& w, const int8_t* a, int64_t lda,
                          int64_t panel_begin, int64_t panel_end, int32_t* c, int64_t ldc);
void int8_gemm_avx512_vnni(int64_t m, const ctc4j::Int8Panels& w, const int8_t* a, int64_t lda,
                           int64_t panel_begin, int64_t panel_end, const ctc4j::Int8Output& out);
void int8_gemm_exact_avx512_vnni(int64_t m, const ctc4j::Int8Panels& w, const int8_t* a, int64_t lda,
                                 int64_t panel_begin, int64_t panel_end, int32_t* c, int64_t ldc);
}  // namespace ctc4j::simd::avx2
