// Matrix products through the BLAS sgemm handed over by Java (ctc4j_nn_set_sgemm), row-major.
#pragma once
#include <cstdint>

namespace ctc4j::nn {

// Hands over cblas_sgemm's address (ctc4j_nn_set_sgemm).
void set_sgemm(void* cblas_sgemm);

// c[m, n] = alpha * op(a) op(b) + beta * c. Throws when no sgemm has been set.
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
          const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

// out[j] += sum over rows of x[rows, cols] (bias gradients).
void add_column_sums(const float* x, int64_t rows, int64_t cols, int64_t ld, float* out);

// Throws CTC4J_UNAVAILABLE for anything but the CPU (the GPU layers are not built yet).
void require_cpu(int device);

// Rows processed per parallel task so each task does at least ~`work` elements.
int64_t rows_per_task(int64_t row_size, int64_t work = 16384);

}  // namespace ctc4j::nn
