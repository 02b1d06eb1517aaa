#include "cpu/nn_blas.h"

#include <algorithm>
#include <atomic>
#include <limits>
#include <string>

#include "cpu/gemm_kernel.h"
#include "cpu/simd.h"
#include "ctc4j/core.h"
#include "support/error.h"
#include "support/parallel.h"

namespace ctc4j::nn {
namespace {

// The CBLAS ABI (enum values from cblas.h; OpenBLAS's default 32-bit blasint).
enum { kRowMajor = 101, kNoTrans = 111, kTrans = 112 };
using CblasSgemm = void (*)(int, int, int, int, int, int, float, const float*, int, const float*, int, float,
                            float*, int);
std::atomic<CblasSgemm> g_sgemm{nullptr};

int blas_int(int64_t v, const char* what) {
  require(v >= 0 && v <= std::numeric_limits<int>::max(), std::string(what) + " exceeds the BLAS integer range");
  return static_cast<int>(v);
}

// One sgemm on the calling thread (OpenBLAS runs single-threaded: Blas.java).
void gemm_block(CblasSgemm sgemm, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  sgemm(kRowMajor, trans_a ? kTrans : kNoTrans, trans_b ? kTrans : kNoTrans, blas_int(m, "m"), blas_int(n, "n"),
        blas_int(k, "k"), alpha, a, blas_int(lda, "lda"), b, blas_int(ldb, "ldb"), beta, c, blas_int(ldc, "ldc"));
}

// Up to kFewRows rows, a w^T with w [n, k] dense (PyTorch's weight layout: a streaming chunk's input
// projections and output layer) runs through gemm_nt_add, which reads w as it is, where sgemm packs
// all of w on every call: a GRU direction of 16 steps (512 -> 3 x 256) took 540-615 us with sgemm,
// 385-460 us so; from 64 rows the two are level. AVX-512 only: without it gemm_nt_add does not tile rows.
constexpr int64_t kFewRows = 32;

bool few_rows_nt(bool trans_a, bool trans_b, int64_t m, int64_t k, float alpha, int64_t ldb, float beta) {
  return !trans_a && trans_b && m <= kFewRows && ldb == k && alpha == 1.0f && (beta == 0.0f || beta == 1.0f) &&
         simd::has_avx512f();
}

// Blocks of w rows on the pool: multiples of gemm_nt_add's 12 and 4 rows, ~1 MFLOP each at least.
void gemm_few_rows_nt(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* w, float beta,
                      float* c, int64_t ldc) {
  if (beta == 0.0f) {
    for (int64_t i = 0; i < m; ++i) std::fill_n(c + i * ldc, n, 0.0f);
  }
  const int64_t chunk = std::max<int64_t>(48, (int64_t{1} << 19) / (m * k) / 12 * 12);
  parallel_chunks(n, chunk, [&](int64_t begin, int64_t end) {
    CTC4J_SIMD_DISPATCH(gemm_nt_add)(m, end - begin, k, a, lda, w + begin * k, c + begin, ldc);
  });
}

}  // namespace

// The product is split into blocks of rows (or of columns, when there are more of them) run on
// ctc4j's own pool. OpenBLAS's threads busy-wait ~0.1 s after every call, which took a core from
// our pool's work between products (LSTM steps ran no faster on two cores than on one).
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
          const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  CblasSgemm sgemm = g_sgemm.load(std::memory_order_acquire);
  if (sgemm == nullptr) throw Error(CTC4J_UNAVAILABLE, "no BLAS sgemm set (call ctc4j_nn_set_sgemm)");
  if (m == 0 || n == 0) return;
  if (k == 0) {  // BLAS may skip beta scaling when k is 0
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
    return;
  }
  if (few_rows_nt(trans_a, trans_b, m, k, alpha, ldb, beta)) return gemm_few_rows_nt(m, n, k, a, lda, b, beta, c, ldc);
  // Blocks of at least 32 rows or columns and ~1 MFLOP, a few per thread so a slower core takes fewer.
  constexpr int64_t kMinSide = 32, kMinWork = int64_t{1} << 19;
  const bool split_rows = m >= n;
  const int64_t side = split_rows ? m : n;
  const int64_t threads = usable_threads();  // 1: one call, packing the operands once
  const int64_t blocks = threads == 1 ? 1 : std::min({4 * threads, side / kMinSide, m * n * k / kMinWork});
  if (blocks <= 1) return gemm_block(sgemm, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  const int64_t per_block = (side + blocks - 1) / blocks;
  parallel_for(blocks, [&](int64_t i) {
    const int64_t begin = i * per_block, size = std::min(side, begin + per_block) - begin;
    if (size <= 0) return;
    if (split_rows) {
      gemm_block(sgemm, trans_a, trans_b, size, n, k, alpha, trans_a ? a + begin : a + begin * lda, lda, b, ldb, beta,
                 c + begin * ldc, ldc);
    } else {
      gemm_block(sgemm, trans_a, trans_b, m, size, k, alpha, a, lda, trans_b ? b + begin * ldb : b + begin, ldb,
                 beta, c + begin, ldc);
    }
  });
}

void add_column_sums(const float* x, int64_t rows, int64_t cols, int64_t ld, float* out) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = x + r * ld;
    for (int64_t j = 0; j < cols; ++j) out[j] += row[j];
  }
}

void require_cpu(int device) {
  if (device != CTC4J_CPU) throw Error(CTC4J_UNAVAILABLE, "neural layers run on the CPU only in this build");
}

void set_sgemm(void* cblas_sgemm) {
  g_sgemm.store(reinterpret_cast<CblasSgemm>(cblas_sgemm), std::memory_order_release);
}

int64_t rows_per_task(int64_t row_size, int64_t work) { return std::max<int64_t>(1, work / std::max<int64_t>(1, row_size)); }

}  // namespace ctc4j::nn
