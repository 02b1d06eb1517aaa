// The C API's housekeeping: version, errors, threads, CPU features, memory.
#include <malloc.h>
#include <sys/mman.h>

#include <atomic>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

#include "cpu/cuda_backend.h"
#include "cpu/error.h"
#include "cpu/parallel.h"
#include "cpu/simd.h"
#include "cuda_api/abi.h"
#include "cuda_api/runtime.h"

namespace ctc4j {

thread_local std::string last_error;
void set_last_error(const std::string& message) { last_error = message; }

bool simd::has_avx2_fma() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
}

namespace {

constexpr size_t kHuge = size_t{2} << 20;

// 64-byte aligned host memory. Large blocks are 2 MiB aligned and asked to be backed by huge pages:
// first touching a fresh 200 MB gradient 4 KiB page at a time otherwise costs more than the kernel.
void* host_alloc(size_t bytes) {
  const size_t align = bytes >= kHuge ? kHuge : 64;
  void* p = std::aligned_alloc(align, (bytes + align - 1) / align * align + align);
  if (p == nullptr) throw Error(CTC4J_OUT_OF_MEMORY, "out of host memory allocating " + std::to_string(bytes) + " bytes");
  if (align == kHuge) madvise(p, (bytes + align - 1) / align * align, MADV_HUGEPAGE);  // advice only; failure is harmless
  return p;
}

// Freed large host blocks kept for the next allocation of about their size. glibc returns blocks
// over 32 MB to the kernel on free, and the kernel zeroes every page of a fresh one on first touch:
// up to 12 % of a wav2vec2 forward pass went to zeroing its conv outputs again on every call.
class LargeBlockCache {
 public:
  void* take(size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = idle_.lower_bound(bytes);
    if (it == idle_.end() || it->first > bytes + bytes / 4) return nullptr;  // best fit, at most 25 % waste
    void* p = it->second;
    idle_bytes_ -= it->first;
    idle_.erase(it);
    return p;
  }

  // Keeps a large block (false: not one of ours, the caller frees it); evicts the smallest to make room.
  bool keep(void* p) {
    if (reinterpret_cast<uintptr_t>(p) % kHuge != 0) return false;  // large blocks are 2 MiB aligned; no lock for others
    std::lock_guard<std::mutex> lock(mutex_);
    auto size = capacity_.find(p);
    if (size == capacity_.end()) return false;
    if (size->second > limit_) {
      capacity_.erase(size);
      return false;
    }
    evict_down_to(limit_ - size->second);
    idle_.emplace(size->second, p);
    idle_bytes_ += size->second;
    return true;
  }

  void track(void* p, size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    capacity_[p] = bytes;
  }

  void set_limit(size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    limit_ = bytes;
    evict_down_to(limit_);
  }

  size_t idle_bytes() {
    std::lock_guard<std::mutex> lock(mutex_);
    return idle_bytes_;
  }

 private:
  void evict_down_to(size_t bytes) {  // smallest first; the caller holds the lock
    while (idle_bytes_ > bytes) {
      auto smallest = idle_.begin();
      idle_bytes_ -= smallest->first;
      capacity_.erase(smallest->second);
      std::free(smallest->second);
      idle_.erase(smallest);
    }
  }

  std::mutex mutex_;
  std::multimap<size_t, void*> idle_;          // capacity -> idle block
  std::unordered_map<void*, size_t> capacity_;  // every large block, idle or in use
  size_t idle_bytes_ = 0;
  size_t limit_ = size_t{512} << 20;
};

LargeBlockCache& large_blocks() {
  static LargeBlockCache* cache = new LargeBlockCache();  // never destroyed: frees may come during exit
  return *cache;
}

// Host bytes handed out by ctc4j_alloc and not yet freed (idle cached blocks excluded), counted by
// the allocator's usable size so that a block adds and removes the same amount.
std::atomic<int64_t> host_live_bytes{0};

void* host_block(size_t bytes) {
  if (bytes < kHuge) return host_alloc(bytes);
  if (void* p = large_blocks().take(bytes)) return p;
  void* p = host_alloc(bytes);
  large_blocks().track(p, bytes);
  return p;
}

void* host_take(size_t bytes) {
  void* p = host_block(bytes);
  host_live_bytes += static_cast<int64_t>(malloc_usable_size(p));
  return p;
}

void host_give_back(void* p) {
  host_live_bytes -= static_cast<int64_t>(malloc_usable_size(p));
  if (!large_blocks().keep(p)) std::free(p);
}

void check_size(size_t bytes) {
  require(bytes <= (size_t{1} << 46), "allocation of " + std::to_string(bytes) + " bytes is absurd");
}
}  // namespace

}  // namespace ctc4j

using namespace ctc4j;

extern "C" {

const char* ctc4j_version(void) { return CTC4J_VERSION; }

uint64_t ctc4j_abi_fingerprint(void) { return abi_fingerprint(); }
const char* ctc4j_last_error(void) { return last_error.c_str(); }
const char* ctc4j_cpu_features(void) { return simd::has_avx2_fma() ? "avx2 fma" : "sse2"; }

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
      *out = host_take(bytes);
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
      host_give_back(ptr);
    } else {
      CTC4J_CUDA_CALL(ctc4jcu_free, device, ptr);
    }
  });
}

int ctc4j_set_host_cache_limit(size_t bytes) {
  return guarded([&] { large_blocks().set_limit(bytes); });
}
size_t ctc4j_host_cache_idle_bytes(void) { return large_blocks().idle_bytes(); }
int64_t ctc4j_host_live_bytes(void) { return host_live_bytes.load(); }

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
