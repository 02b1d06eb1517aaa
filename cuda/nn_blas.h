// Matrix products on the GPU, the twin of cpu/nn_blas.h: the one place libctc4j_cuda calls cuBLAS.
#pragma once
#include <cstdint>

namespace ctc4j::nn {

// c[m, n] = alpha * op(a) op(b) + beta * c, row-major, all in the current device's memory, queued on
// cudaStreamPerThread, in float32 (cuBLAS's default math: no TF32). Throws CTC4J_UNAVAILABLE where cuBLAS is missing.
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
          const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

}  // namespace ctc4j::nn
