// Functions exported by libctc4j_cuda for device discovery and memory. libctc4j_cpu resolves them
// with dlsym (cuda_bridge/loader.h), so the CPU library never links CUDA. Each area adds its own
// header beside this one; every function returns a ctc4j_status and leaves its message in
// ctc4jcu_last_error().
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "ctc4j/core.h"

extern "C" {
/* ctc4j::abi_fingerprint() as this library was built (cuda_bridge/abi.h); checked at load. */
CTC4J_API uint64_t ctc4jcu_abi_fingerprint(void);
/* 1 when the device supports stream-ordered allocation (cudaMallocAsync memory pools). */
CTC4J_API int ctc4jcu_memory_pools_supported(int device, int* supported);
/* Which cuBLAS and cuDNN were opened (version and path), or what is missing and every place looked. */
CTC4J_API int ctc4jcu_library_status(char* out, int capacity);
CTC4J_API const char* ctc4jcu_last_error(void);
CTC4J_API int ctc4jcu_device_count(int* count);
CTC4J_API int ctc4jcu_device_name(int device, char* name, int capacity);
CTC4J_API int ctc4jcu_malloc(int device, size_t bytes, void** out);
CTC4J_API int ctc4jcu_free(int device, void* ptr);
CTC4J_API int ctc4jcu_copy(void* dst, const void* src, size_t bytes);
CTC4J_API int ctc4jcu_zero(int device, void* ptr, size_t bytes);
}
