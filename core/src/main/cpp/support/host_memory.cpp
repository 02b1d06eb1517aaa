#include "support/host_memory.h"

#include <malloc.h>
#include <sys/mman.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

#include "support/error.h"

namespace ctc4j::host {
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

}  // namespace

void* take(size_t bytes) {
  void* p = host_block(bytes);
  host_live_bytes += static_cast<int64_t>(malloc_usable_size(p));
  return p;
}

void give_back(void* p) {
  host_live_bytes -= static_cast<int64_t>(malloc_usable_size(p));
  release_block(p);
}

void* block(size_t bytes) { return host_block(bytes); }

void release_block(void* p) {
  if (!large_blocks().keep(p)) std::free(p);
}

void set_cache_limit(size_t bytes) { large_blocks().set_limit(bytes); }
size_t cache_idle_bytes() { return large_blocks().idle_bytes(); }
int64_t live_bytes() { return host_live_bytes.load(); }

}  // namespace ctc4j::host
