// The C API's housekeeping (ctc4j/core.h): version, errors, threads, CPU features, CUDA discovery
// and memory. Thin: validate, dispatch to support/ or the CUDA library, catch at the edge.
#include <cstdint>
#include <cstring>
#include <string>

#include "cpu/simd.h"
#include "cuda_bridge/abi.h"
#include "cuda_bridge/exports/runtime.h"
#include "cuda_bridge/loader.h"
#include "support/error.h"
#include "support/host_memory.h"
#include "support/parallel.h"
#include "support/scratch.h"

namespace ctc4j {
namespace {

void check_size(size_t bytes) {
  require(bytes <= (size_t{1} << 46), "allocation of " + std::to_string(bytes) + " bytes is absurd");
}

}  // namespace

}  // namespace ctc4j

using namespace ctc4j;

extern "C" {

const char* ctc4j_version(void) { return CTC4J_VERSION; }

uint64_t ctc4j_abi_fingerprint(void) { return abi_fingerprint(); }
const char* ctc4j_last_error(void) { return last_error_message(); }
const char* ctc4j_cpu_features(void) { return simd::features_used(); }

int ctc4j_set_num_threads(int threads) {
  return guarded([&] {
    require(threads >= 1 && threads <= 4096, "thread count must be in [1, 4096], got " + std::to_string(threads));
    set_num_threads(threads);
  });
}
int ctc4j_num_threads(void) { return num_threads(); }

int ctc4j_cuda_device_count(int* count) {
  return guarded([&] { *count = cuda::device_count(); });
}
const char* ctc4j_cuda_status(void) { return cuda::status().c_str(); }
const char* ctc4j_cuda_libraries(void) {
  thread_local std::string text;
  if (cuda::device_count() == 0) return (text = "no CUDA backend: " + cuda::status()).c_str();
  char found[4096];
  if (guarded([&] { CTC4J_CUDA_CALL(ctc4jcu_library_status, found, static_cast<int>(sizeof found)); }) != CTC4J_OK) {
    return (text = std::string("cannot tell: ") + ctc4j_last_error()).c_str();
  }
  return (text = found).c_str();
}
int ctc4j_cuda_device_name(int device, char* name, int capacity) {
  return guarded([&] {
    cuda::require_device(device);
    CTC4J_CUDA_CALL(ctc4jcu_device_name, device, name, capacity);
  });
}

int ctc4j_alloc(int device, size_t bytes, void** out) {
  return guarded([&] {
    *out = nullptr;
    check_size(bytes);
    if (device == CTC4J_CPU) {
      *out = host::take(bytes);
    } else {
      cuda::require_device(device);
      CTC4J_CUDA_CALL(ctc4jcu_malloc, device, bytes, out);
    }
  });
}

int ctc4j_free(int device, void* ptr) {
  return guarded([&] {
    if (ptr == nullptr) return;
    if (device == CTC4J_CPU) {
      host::give_back(ptr);
    } else {
      CTC4J_CUDA_CALL(ctc4jcu_free, device, ptr);
    }
  });
}

int ctc4j_set_host_cache_limit(size_t bytes) {
  return guarded([&] { host::set_cache_limit(bytes); });
}
size_t ctc4j_host_cache_idle_bytes(void) { return host::cache_idle_bytes(); }
int64_t ctc4j_host_live_bytes(void) { return host::live_bytes(); }

int64_t ctc4j_scratch_bytes(void) { return scratch_bytes(); }
int ctc4j_set_scratch_limit(size_t bytes) {
  return guarded([&] { set_scratch_limit(bytes); });
}
size_t ctc4j_scratch_limit(void) { return scratch_limit(); }

int ctc4j_copy(void* dst, int dst_device, const void* src, int src_device, size_t bytes) {
  return guarded([&] {
    if (bytes == 0) return;
    require(dst != nullptr && src != nullptr, "copy with a null pointer");
    if (dst_device == CTC4J_CPU && src_device == CTC4J_CPU) {
      std::memmove(dst, src, bytes);
    } else {
      CTC4J_CUDA_CALL(ctc4jcu_copy, dst, src, bytes);
    }
  });
}

int ctc4j_zero(int device, void* ptr, size_t bytes) {
  return guarded([&] {
    if (bytes == 0) return;
    require(ptr != nullptr, "zero with a null pointer");
    if (device == CTC4J_CPU) {
      std::memset(ptr, 0, bytes);
    } else {
      CTC4J_CUDA_CALL(ctc4jcu_zero, device, ptr, bytes);
    }
  });
}

}  // extern "C"
