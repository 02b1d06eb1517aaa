// Scratch memory for the temporaries of native calls: a per-thread arena handed out in frames.
//
//   ScratchFrame scratch;                        // at a kernel's entry
//   float* alpha = scratch.take<float>(frames * width);
//   double* rows = scratch.take<double>(n);      // never overlaps alpha, nor any live frame's memory
//
// A frame bump-allocates from its thread's arena and gives everything back when it ends; frames
// nest (a kernel calling another opens a second frame above the first), so two kernels on one thread
// can never be handed the same memory; taking from a frame while a frame above it is open is an
// internal error (it would hand out memory the inner frame gives back). When a thread's outermost frame ends, the arena keeps one
// block for the next call, at most ctc4j_set_scratch_limit bytes (default 64 MiB), and releases the
// rest: a long-lived server thread holds no more than that after a large call. ctc4j_scratch_bytes()
// counts what every thread's arena holds; those bytes are not host allocations of ctc4j_alloc, so they
// stay out of ctc4j_host_live_bytes. Blocks come from the host allocator (support/host_memory.h),
// whose large-block cache keeps a released block's pages for the next call of about its size.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ctc4j {

class ScratchFrame {
 public:
  ScratchFrame();
  ~ScratchFrame();
  ScratchFrame(const ScratchFrame&) = delete;
  ScratchFrame& operator=(const ScratchFrame&) = delete;

  // count uninitialised T, 64-byte aligned; valid until this frame ends. Throws Error on out of memory.
  template <class T>
  T* take(size_t count) {
    return static_cast<T*>(take_bytes(count * sizeof(T)));
  }

 private:
  void* take_bytes(size_t bytes);
  size_t block_, offset_, used_;  // the arena's top when the frame opened
  int depth_;                     // 1 for a thread's outermost frame
};

// Bytes held by the scratch arenas of all threads (in use or kept for the next call).
int64_t scratch_bytes();
// What a thread's arena may keep when its outermost frame ends.
void set_scratch_limit(size_t bytes);
size_t scratch_limit();

}  // namespace ctc4j
