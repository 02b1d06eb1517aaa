#include "support/scratch.h"

#include <algorithm>
#include <atomic>
#include <vector>

#include "support/error.h"
#include "support/host_memory.h"

namespace ctc4j {
namespace {

constexpr size_t kAlign = 64;
constexpr size_t kMinBlock = size_t{64} << 10;

std::atomic<int64_t> held_bytes{0};
std::atomic<size_t> limit_bytes{size_t{64} << 20};

size_t aligned(size_t bytes) { return (bytes + kAlign - 1) / kAlign * kAlign; }

// One thread's blocks, used as a stack: the open frames' memory lies below the top (block, offset).
class Arena {
 public:
  ~Arena() { release(); }

  int depth() const { return depth_; }

  int open(size_t& block, size_t& offset, size_t& used) {
    block = block_, offset = offset_, used = used_;
    return ++depth_;
  }

  void close(size_t block, size_t offset, size_t used) {
    block_ = block, offset_ = offset, used_ = used;
    if (--depth_ > 0) return;
    // The outermost frame ended: keep one block that held the whole call, if within the limit.
    const size_t limit = limit_bytes.load(std::memory_order_relaxed);
    next_block_ = peak_ <= limit ? peak_ : 0;
    peak_ = 0;
    if (blocks_.size() > 1 || (!blocks_.empty() && blocks_[0].size > limit)) release();
  }

  void* take(size_t bytes) {
    bytes = aligned(std::max<size_t>(bytes, 1));
    while (block_ < blocks_.size() && blocks_[block_].size - offset_ < bytes) ++block_, offset_ = 0;
    if (block_ == blocks_.size()) {
      const size_t last = blocks_.empty() ? 0 : blocks_.back().size;
      const size_t size = std::max({bytes, 2 * last, next_block_, kMinBlock});
      blocks_.push_back(Block{static_cast<char*>(host::block(size)), size});
      held_bytes += static_cast<int64_t>(size);
      offset_ = 0;
    }
    void* p = blocks_[block_].data + offset_;
    offset_ += bytes;
    used_ += bytes;
    peak_ = std::max(peak_, used_);
    return p;
  }

 private:
  struct Block {
    char* data;
    size_t size;
  };

  void release() {
    for (const Block& b : blocks_) {
      host::release_block(b.data);
      held_bytes -= static_cast<int64_t>(b.size);
    }
    blocks_.clear();
  }

  std::vector<Block> blocks_;
  size_t block_ = 0, offset_ = 0;  // the top: where the next take starts
  size_t used_ = 0;                // bytes below the top (what the open frames took)
  size_t peak_ = 0;                // the most used_ reached since the outermost frame opened
  size_t next_block_ = 0;          // the first new block's size: the last call's peak
  int depth_ = 0;                  // open frames
};

Arena& arena() {
  thread_local Arena a;
  return a;
}

}  // namespace

ScratchFrame::ScratchFrame() { depth_ = arena().open(block_, offset_, used_); }

ScratchFrame::~ScratchFrame() { arena().close(block_, offset_, used_); }

void* ScratchFrame::take_bytes(size_t bytes) {
  Arena& a = arena();
  if (a.depth() != depth_) {
    throw Error(CTC4J_INTERNAL, "scratch taken from frame " + std::to_string(depth_) + " while frame " +
                                    std::to_string(a.depth()) + " is open above it");
  }
  return a.take(bytes);
}

int64_t scratch_bytes() { return held_bytes.load(); }
void set_scratch_limit(size_t bytes) { limit_bytes.store(bytes, std::memory_order_relaxed); }
size_t scratch_limit() { return limit_bytes.load(std::memory_order_relaxed); }

}  // namespace ctc4j
