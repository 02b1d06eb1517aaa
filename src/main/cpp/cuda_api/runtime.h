// Functions exported by libctc4j_cuda for device discovery and memory. libctc4j_cpu resolves them
// with dlsym (cpu/cuda_backend.h), so the CPU library never links CUDA. Each area adds its own
// header beside this one; every function returns a ctc4j_status and leaves its message in
// ctc4jcu_last_error().
#pragma once
#include <stddef.h>

#include "ctc4j/core.h"

extern "C" {
CTC4J_API const char* ctc4jcu_last_error(void);
CTC4J_API int ctc4jcu_device_count(int* count);
CTC4J_API int ctc4jcu_device_name(int device, char* name, int capacity);
CTC4J_API int ctc4jcu_malloc(int device, size_t bytes, void** out);
CTC4J_API int ctc4jcu_free(int device, void* ptr);
CTC4J_API int ctc4jcu_copy(void* dst, const void* src, size_t bytes);
CTC4J_API int ctc4jcu_zero(int device, void* ptr, size_t bytes);
}
