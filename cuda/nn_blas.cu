// cuBLAS's sgemm behind nn::gemm (cuda/nn_blas.h). cuBLAS is opened at run time (cuda/libraries.h);
// the functions called are declared here in its C ABI, and where its header is on the include path
// (CI extracts it from the wheel, the GPU harness passes it) static assertions check the declarations.
// One handle per thread and device, bound to cudaStreamPerThread, so that each product is ordered with
// the rest of its thread's work.
#include <cuda_runtime.h>

#include <climits>
#include <string>
#include <type_traits>

#include "check.cuh"
#include "libraries.h"
#include "nn_blas.h"

#if __has_include(<cublas_api.h>)
#include <cublas_api.h>
#define CTC4J_CUBLAS_HEADER 1
#endif

namespace ctc4j::nn {
namespace {

// Our declarations: cuBLAS's enums are ints, its handle an opaque pointer.
using Handle = void*;
enum : int { kSuccess = 0, kAllocFailed = 3, kOpN = 0, kOpT = 1 };
using Create = int (*)(Handle*);
using Destroy = int (*)(Handle);
using SetStream = int (*)(Handle, cudaStream_t);
using StatusString = const char* (*)(int);
using Sgemm = int (*)(Handle, int, int, int, int, int, const float*, const float*, int, const float*, int,
                      const float*, float*, int);

#ifdef CTC4J_CUBLAS_HEADER
static_assert(std::is_same_v<decltype(&::cublasCreate_v2), cublasStatus_t (*)(cublasHandle_t*)>);
static_assert(std::is_same_v<decltype(&::cublasDestroy_v2), cublasStatus_t (*)(cublasHandle_t)>);
static_assert(std::is_same_v<decltype(&::cublasSetStream_v2), cublasStatus_t (*)(cublasHandle_t, cudaStream_t)>);
static_assert(std::is_same_v<decltype(&::cublasGetStatusString), const char* (*)(cublasStatus_t)>);
static_assert(std::is_same_v<decltype(&::cublasSgemm_v2),
                             cublasStatus_t (*)(cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int,
                                                const float*, const float*, int, const float*, int, const float*,
                                                float*, int)>);
static_assert(sizeof(cublasStatus_t) == sizeof(int) && sizeof(cublasOperation_t) == sizeof(int) &&
              sizeof(cublasHandle_t) == sizeof(Handle));
static_assert(int{CUBLAS_STATUS_SUCCESS} == kSuccess && int{CUBLAS_STATUS_ALLOC_FAILED} == kAllocFailed);
static_assert(int{CUBLAS_OP_N} == kOpN && int{CUBLAS_OP_T} == kOpT);
#endif

struct Cublas {
  Create create;
  Destroy destroy;
  SetStream set_stream;
  StatusString status_string;
  Sgemm sgemm;
};

// Resolved at the first product; a missing library throws and the next call looks again.
const Cublas& cublas() {
  static const Cublas api{reinterpret_cast<Create>(cublas_symbol("cublasCreate_v2")),
                          reinterpret_cast<Destroy>(cublas_symbol("cublasDestroy_v2")),
                          reinterpret_cast<SetStream>(cublas_symbol("cublasSetStream_v2")),
                          reinterpret_cast<StatusString>(cublas_symbol("cublasGetStatusString")),
                          reinterpret_cast<Sgemm>(cublas_symbol("cublasSgemm_v2"))};
  return api;
}

void check(int status, const char* call) {
  if (status == kSuccess) return;
  throw Error(status == kAllocFailed ? CTC4J_OUT_OF_MEMORY : CTC4J_CUDA_ERROR,
              std::string(call) + ": " + cublas().status_string(status));
}

thread_local ThreadHandles<Handle> t_handles;

// A handle on the current device bound to cudaStreamPerThread. Its math mode stays the default, in
// which sgemm computes in float32 (no TF32).
Handle new_handle() {
  Handle handle = nullptr;
  check(cublas().create(&handle), "cublasCreate");
  const int status = cublas().set_stream(handle, cudaStreamPerThread);
  if (status != kSuccess) cublas().destroy(handle);
  check(status, "cublasSetStream");
  return handle;
}

int blas_int(int64_t v, const char* what) {
  require(v >= 0 && v <= INT_MAX, std::string("cuBLAS product: ") + what + " " + std::to_string(v) +
                                      " outside its 32-bit integer range");
  return static_cast<int>(v);
}

}  // namespace

void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
          const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  const Handle handle = t_handles.get(current_device(), new_handle, cublas().destroy);
  // Row-major c = op(a) op(b) is column-major c^T = op(b)^T op(a)^T: the operands swap places.
  check(cublas().sgemm(handle, trans_b ? kOpT : kOpN, trans_a ? kOpT : kOpN, blas_int(n, "n"), blas_int(m, "m"),
                       blas_int(k, "k"), &alpha, b, blas_int(ldb, "ldb"), a, blas_int(lda, "lda"), &beta, c,
                       blas_int(ldc, "ldc")),
        "cublasSgemm");
}

}  // namespace ctc4j::nn
