// Float32 products against weights packed as gemm_packed_add's B operand (cpu/gemm_kernel.h): panels
// [k, packed_layout().panel], zero past n. The recurrent layers pack per call (cpu/nn_rnn.cpp), or use
// weights packed once per model (handles/packed_weights.h).
#pragma once
#include <cstdint>

namespace ctc4j::cpu {

// Floats of B [k, n] packed.
int64_t packed_floats(int64_t k, int64_t n);
// Packs B [k, n] from w: w is B^T [n, k] when transposed (PyTorch's [out, in] weights for x w^T),
// else B itself. Parallel over panels.
void pack_panels(const float* w, int64_t k, int64_t n, bool transposed, float* packed);
// c[i, :n] += a[i, :k] B for i < m (row strides lda, ldc), B packed; about 96 columns per parallel task.
void packed_product(int64_t m, int64_t k, int64_t n, const float* a, int64_t lda, const float* packed, float* c,
                    int64_t ldc);
// Whether packed_product beats gemm_nt_add at m rows (batch 1 with AVX-512; 5 rows on AVX2).
bool packed_beats_matvec(int64_t m);

}  // namespace ctc4j::cpu
