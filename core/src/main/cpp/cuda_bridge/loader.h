// Lazy access to libctc4j_cuda. It is loaded only when libcuda.so.1 (the driver) exists; CUDA
// functions are found by name, typed by the declarations in cuda_bridge/exports/*.h:
//   CTC4J_CUDA_CALL(ctc4jcu_log_mel, args...);   // throws ctc4j::Error on failure
#pragma once
#include <string>

#include "support/error.h"

namespace ctc4j::cuda {

// Number of usable devices (0 when none), and the reason when there are none.
int device_count();
const std::string& status();

// The named export of libctc4j_cuda; throws Error(CTC4J_UNAVAILABLE) if the backend is absent.
void* symbol(const char* name);
void check(int status);  // throws the backend's last error when status != OK
void require_device(int device);

}  // namespace ctc4j::cuda

#define CTC4J_CUDA_CALL(fn, ...) \
  ::ctc4j::cuda::check(reinterpret_cast<decltype(&fn)>(::ctc4j::cuda::symbol(#fn))(__VA_ARGS__))
