// Float32 products against weights packed as gemm_packed_add's B operand (cpu/gemm_kernel.h): panels
// [k, packed_layout().panel], zero past n. The recurrent layers pack per call (cpu/nn_rnn.cpp); the
// layers of an inference pass can run on weights packed once per model (handles/packed_weights.h).
#pragma once
#include <cstdint>

namespace ctc4j::cpu {

// Floats of B [k, n] packed.
int64_t packed_floats(int64_t k, int64_t n);
// Packs B [k, n] from w: w is B^T [n, k] when transposed (PyTorch's [out, in] weights for x w^T),
// else B itself. kernel > 1 (transposed only): w's rows are conv1d patches [k / kernel channels,
// kernel], and B's row t * channels + c is their column c * kernel + t, so that a patch of time-major
// input (kernel frames of all channels) is one contiguous row. Parallel over panels.
void pack_panels(const float* w, int64_t k, int64_t n, bool transposed, int64_t kernel, float* packed);
// c[i, :n] += a[i, :k] B for i < m (row strides lda, ldc), B packed; parallel over blocks of rows and
// of about 96 columns, taken from the last columns first where descending (the sums are the same).
void packed_product(int64_t m, int64_t k, int64_t n, const float* a, int64_t lda, const float* packed, float* c,
                    int64_t ldc, bool descending = false);
// Whether packed_product beats gemm_nt_add at m rows (batch 1 with AVX-512; 5 rows on AVX2).
bool packed_beats_matvec(int64_t m);
// Whether a product of depth k and n columns against weights packed once beats sgemm, which packs
// them on every call: from one full panel of columns and a depth of 64. At 1 thread, with AVX-512
// (OpenBLAS's Cooperlake kernels), the packed product was ahead at 16-1,000 rows for n 64-3,072 and
// k 64-3,072 (wav2vec2's 499 x 768 x 3,072: 11.5 vs 12.3 ms; 16 x 512 x 768: 2x), level at 2,000 rows,
// 3% behind at 3,200; on the AVX2 build (OpenBLAS's Haswell kernels) ahead by 5-15% at 256-499 rows.
// Narrower (n 29, 48) or shallower (k 16, 32 at 499 rows; wav2vec2's first conv, k 10: 12.8 vs 7.0
// ms), sgemm was level or ahead.
bool prepacked_serves(int64_t k, int64_t n);
constexpr int64_t kPrepackedDepth = 64;  // prepacked_serves's depth

}  // namespace ctc4j::cpu
