// Functions of cuBLAS and cuDNN, which libctc4j_cuda opens at run time (cuda/libraries.cu) and never
// links, and the per-thread handles both need. Host code only.
#pragma once
#include <cuda_runtime.h>

#include <vector>

namespace ctc4j {

// The address of `name` in cuBLAS / cuDNN; throws CTC4J_UNAVAILABLE naming what is missing and every
// place looked, so a GPU layer that needs a library absent here fails with the reason.
void* cublas_symbol(const char* name);
void* cudnn_symbol(const char* name);

// One thread's handles of a library, one per device, made at the thread's first call there and
// destroyed with the thread: cuBLAS and cuDNN handles must not be shared between threads.
template <class Handle>
class ThreadHandles {
 public:
  using Destroy = int (*)(Handle);
  ThreadHandles() = default;
  ThreadHandles(const ThreadHandles&) = delete;
  ThreadHandles& operator=(const ThreadHandles&) = delete;
  ~ThreadHandles() {
    for (const Entry& e : entries_) {
      if (cudaSetDevice(e.device) == cudaSuccess) e.destroy(e.handle);  // errors dropped: nothing to tell
    }
  }

  // make() returns a new handle for the current device, already bound to cudaStreamPerThread.
  template <class Make>
  Handle get(int device, Make make, Destroy destroy) {
    for (const Entry& e : entries_) {
      if (e.device == device) return e.handle;
    }
    entries_.push_back({device, make(), destroy});
    return entries_.back().handle;
  }

 private:
  struct Entry {
    int device;
    Handle handle;
    Destroy destroy;
  };
  std::vector<Entry> entries_;
};

}  // namespace ctc4j
