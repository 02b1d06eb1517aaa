#include "support/parallel.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

namespace ctc4j {
namespace {

thread_local bool t_one_thread = false;

class ThreadPool {
 public:
  ~ThreadPool() { resize(0); }

  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  void resize(int total) {
    std::lock_guard<std::mutex> busy(busy_);
    stop_workers();
    for (int i = 1; i < total; ++i) workers_.emplace_back([this] { work(); });
  }

  void run(int64_t n, const std::function<void(int64_t)>& body) {
    std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
    if (t_one_thread || !busy.owns_lock() || workers_.empty() || n <= 1) {
      for (int64_t i = 0; i < n; ++i) body(i);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      body_ = &body;
      size_ = n;
      next_ = 0;
      active_ = static_cast<int>(workers_.size());
      error_ = nullptr;
      ++generation_;
    }
    wake_.notify_all();
    drain();
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return active_ == 0; });
    body_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void drain() {
    const OneThreadScope nested(true);  // a body's own parallel_for (a matrix product, say) runs inline
    for (int64_t i; (i = next_.fetch_add(1)) < size_;) {
      try {
        (*body_)(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!error_) error_ = std::current_exception();
        next_ = size_;
      }
    }
  }

  void work() {
    uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
        if (stopping_) return;
        seen = generation_;
      }
      drain();
      std::lock_guard<std::mutex> lock(mutex_);
      if (--active_ == 0) done_.notify_one();
    }
  }

  void stop_workers() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
    stopping_ = false;
  }

  std::mutex busy_, mutex_;
  std::condition_variable wake_, done_;
  std::vector<std::thread> workers_;
  const std::function<void(int64_t)>* body_ = nullptr;
  std::atomic<int64_t> next_{0};
  int64_t size_ = 0;
  int active_ = 0;
  uint64_t generation_ = 0;
  bool stopping_ = false;
  std::exception_ptr error_;
};

ThreadPool& pool() {
  static ThreadPool* p = [] {
    auto* created = new ThreadPool();  // never destroyed: workers must outlive JVM shutdown hooks
    created->resize(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
    return created;
  }();
  return *p;
}

}  // namespace

void set_num_threads(int threads) { pool().resize(std::max(1, threads)); }
int num_threads() { return pool().threads(); }
int usable_threads() { return t_one_thread ? 1 : num_threads(); }
void parallel_for(int64_t n, const std::function<void(int64_t)>& body) { pool().run(n, body); }

OneThreadScope::OneThreadScope(bool on) : previous_(t_one_thread) { t_one_thread = previous_ || on; }
OneThreadScope::~OneThreadScope() { t_one_thread = previous_; }

}  // namespace ctc4j
