// Device discovery and memory for libctc4j_cuda (see core/src/main/cpp/cuda_bridge/exports/runtime.h).
#include <cstring>
#include <string>

#include "check.cuh"
#include "cuda_bridge/abi.h"
#include "cuda_bridge/exports/runtime.h"

namespace ctc4j {
thread_local std::string last_error;
void set_last_error(const std::string& message) { last_error = message; }
}  // namespace ctc4j

using ctc4j::guarded;

extern "C" {

const char* ctc4jcu_last_error(void) { return ctc4j::last_error.c_str(); }

uint64_t ctc4jcu_abi_fingerprint(void) { return ctc4j::abi_fingerprint(); }

int ctc4jcu_memory_pools_supported(int device, int* supported) {
  return guarded([&] { CTC4J_CUDA_CHECK(cudaDeviceGetAttribute(supported, cudaDevAttrMemoryPoolsSupported, device)); });
}

int ctc4jcu_device_count(int* count) {
  return guarded([&] {
    *count = 0;
    CTC4J_CUDA_CHECK(cudaGetDeviceCount(count));
  });
}

int ctc4jcu_device_name(int device, char* name, int capacity) {
  return guarded([&] {
    cudaDeviceProp prop{};
    CTC4J_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
    std::string text = std::string(prop.name) + " (sm_" + std::to_string(prop.major) +
                       std::to_string(prop.minor) + ", " +
                       std::to_string(prop.totalGlobalMem >> 20) + " MiB)";
    if (capacity > 0) {
      std::strncpy(name, text.c_str(), capacity - 1);
      name[capacity - 1] = '\0';
    }
  });
}

int ctc4jcu_malloc(int device, size_t bytes, void** out) {
  return guarded([&] {
    CTC4J_CUDA_CHECK(cudaSetDevice(device));
    CTC4J_CUDA_CHECK(cudaMalloc(out, bytes == 0 ? 1 : bytes));
  });
}

int ctc4jcu_free(int device, void* ptr) {
  return guarded([&] {
    CTC4J_CUDA_CHECK(cudaSetDevice(device));
    CTC4J_CUDA_CHECK(cudaFree(ptr));
  });
}

int ctc4jcu_copy(void* dst, const void* src, size_t bytes) {
  return guarded([&] { CTC4J_CUDA_CHECK(cudaMemcpy(dst, src, bytes, cudaMemcpyDefault)); });
}

int ctc4jcu_zero(int device, void* ptr, size_t bytes) {
  return guarded([&] {
    CTC4J_CUDA_CHECK(cudaSetDevice(device));
    CTC4J_CUDA_CHECK(cudaMemsetAsync(ptr, 0, bytes));
    CTC4J_CUDA_CHECK(cudaStreamSynchronize(cudaStreamPerThread));
  });
}

}  // extern "C"
