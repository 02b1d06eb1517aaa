// A small persistent thread pool for batch-level parallelism inside one native call.
// parallel_for(n, body) runs body(i) for i in [0, n) on up to num_threads() threads, the caller
// included. If another call already holds the pool (concurrent Java threads), the caller runs its
// work alone: per-request threads then give the parallelism and nothing oversubscribes. Called from
// inside a body, it runs inline.
#pragma once
#include <algorithm>
#include <cstdint>
#include <functional>
#include <vector>

namespace ctc4j {

void set_num_threads(int threads);
int num_threads();
// Threads a parallel_for from this thread may get: 1 inside a OneThreadScope or a pool body.
int usable_threads();
void parallel_for(int64_t n, const std::function<void(int64_t)>& body);

// body(begin, end) over [0, n) in chunks of `chunk` (the last may be shorter), on the pool.
template <class Body>
void parallel_chunks(int64_t n, int64_t chunk, Body&& body) {
  parallel_for((n + chunk - 1) / chunk, [&](int64_t i) { body(i * chunk, std::min(n, (i + 1) * chunk)); });
}

// While one is alive and `on`, parallel_for on this thread runs its work inline: for a caller that
// already runs beside another (two directions of a recurrent layer, one per core).
class OneThreadScope {
 public:
  explicit OneThreadScope(bool on);
  ~OneThreadScope();
  OneThreadScope(const OneThreadScope&) = delete;
  OneThreadScope& operator=(const OneThreadScope&) = delete;

 private:
  bool previous_;
};

}  // namespace ctc4j
