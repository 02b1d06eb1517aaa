// Error plumbing inside libctc4j_cuda: CUDA failures become ctc4j::Error, and `guarded` (shared
// with the CPU library) turns them into a status plus ctc4jcu_last_error().
#pragma once
#include <cuda_runtime.h>

#include <string>

#include "cpu/error.h"

#define CTC4J_CUDA_CHECK(expr)                                                                 \
  do {                                                                                         \
    cudaError_t ctc4j_err_ = (expr);                                                           \
    if (ctc4j_err_ != cudaSuccess) {                                                           \
      throw ::ctc4j::Error(ctc4j_err_ == cudaErrorMemoryAllocation ? CTC4J_OUT_OF_MEMORY       \
                                                                   : CTC4J_CUDA_ERROR,         \
                           std::string(#expr) + ": " + cudaGetErrorString(ctc4j_err_));        \
    }                                                                                          \
  } while (0)

// Launch-error check after a kernel launch on the per-thread default stream.
#define CTC4J_CUDA_CHECK_LAUNCH() CTC4J_CUDA_CHECK(cudaGetLastError())
