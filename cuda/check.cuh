// Plumbing shared by libctc4j_cuda's sources: CUDA failures become ctc4j::Error (`guarded`, shared
// with the CPU library, turns them into a status plus ctc4jcu_last_error()); the one device-memory
// owner every source allocates through; and grid limits. All work runs on cudaStreamPerThread.
#pragma once
#include <cuda_runtime.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "support/error.h"

#define CTC4J_CUDA_CHECK(expr)                                                                 \
  do {                                                                                         \
    cudaError_t ctc4j_err_ = (expr);                                                           \
    if (ctc4j_err_ != cudaSuccess) {                                                           \
      throw ::ctc4j::Error(ctc4j_err_ == cudaErrorMemoryAllocation ? CTC4J_OUT_OF_MEMORY       \
                                                                   : CTC4J_CUDA_ERROR,         \
                           std::string(#expr) + ": " + cudaGetErrorString(ctc4j_err_));        \
    }                                                                                          \
  } while (0)

// Launch-error check after a kernel launch on the per-thread default stream.
#define CTC4J_CUDA_CHECK_LAUNCH() CTC4J_CUDA_CHECK(cudaGetLastError())

namespace ctc4j {

// A value worked out once per device by the first caller (later callers wait for it); a failed
// computation stores nothing, so the next call tries again.
template <class T>
class PerDevice {
 public:
  template <class Compute>
  T get(int device, Compute compute) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [d, value] : values_) {
      if (d == device) return value;
    }
    const T value = compute();
    values_.emplace_back(device, value);
    return value;
  }

 private:
  std::mutex mutex_;
  std::vector<std::pair<int, T>> values_;
};

inline int current_device() {
  int device = 0;
  CTC4J_CUDA_CHECK(cudaGetDevice(&device));
  return device;
}

// Whether the current device has stream-ordered memory pools (cudaMallocAsync); not every
// device and driver mode does (e.g. some virtualised or older Windows/TCC setups).
inline bool memory_pools_supported() {
  static PerDevice<bool> supported;
  const int device = current_device();
  return supported.get(device, [&] {
    int value = 0;
    CTC4J_CUDA_CHECK(cudaDeviceGetAttribute(&value, cudaDevAttrMemoryPoolsSupported, device));
    return value != 0;
  });
}

// An array in the current device's memory, allocated in cudaStreamPerThread's order (its pool, or
// cudaMalloc where the device has none) and freed by its destructor, also when an exception
// unwinds. Movable, so long-lived uploads (plans, decoder tables) keep theirs in the handle; free
// those on the device they were allocated on, after the work using them has finished.
template <class T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t count) : count_(count), pooled_(memory_pools_supported()) {
    const size_t bytes = std::max<size_t>(1, count) * sizeof(T);
    void* p = nullptr;
    if (pooled_) {
      CTC4J_CUDA_CHECK(cudaMallocAsync(&p, bytes, cudaStreamPerThread));
    } else {
      CTC4J_CUDA_CHECK(cudaMalloc(&p, bytes));
    }
    data_ = static_cast<T*>(p);
  }
  // A copy of host[0, count) (stream-ordered: the host array may be reused when this returns).
  DeviceBuffer(const T* host, size_t count) : DeviceBuffer(count) {
    if (count > 0) {
      CTC4J_CUDA_CHECK(cudaMemcpyAsync(data_, host, count * sizeof(T), cudaMemcpyHostToDevice, cudaStreamPerThread));
    }
  }
  explicit DeviceBuffer(const std::vector<T>& host) : DeviceBuffer(host.data(), host.size()) {}

  DeviceBuffer(DeviceBuffer&& other) noexcept { swap(other); }
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept {
    DeviceBuffer(std::move(other)).swap(*this);
    return *this;
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  // Errors are dropped: a destructor cannot report them, and the memory is lost only if the
  // context already is.
  ~DeviceBuffer() {
    if (data_ == nullptr) return;
    if (pooled_) {
      cudaFreeAsync(data_, cudaStreamPerThread);
    } else {
      cudaStreamSynchronize(cudaStreamPerThread);  // work queued on the array must finish first
      cudaFree(data_);
    }
  }

  T* get() const { return data_; }
  size_t size() const { return count_; }

  // Queues a copy of the first `count` values to host memory.
  void copy_to(T* host, size_t count) const {
    if (count > 0) {
      CTC4J_CUDA_CHECK(cudaMemcpyAsync(host, data_, count * sizeof(T), cudaMemcpyDeviceToHost, cudaStreamPerThread));
    }
  }

 private:
  void swap(DeviceBuffer& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(count_, other.count_);
    std::swap(pooled_, other.pooled_);
  }

  T* data_ = nullptr;
  size_t count_ = 0;
  bool pooled_ = false;
};

// Host arrays copied into one device allocation: reserve() each, allocate(), then place() each in
// the same order; take() hands the storage to its long-lived owner once the copies are complete.
class DeviceArena {
 public:
  template <class T>
  void reserve(size_t count) {
    bytes_ += padded(count * sizeof(T));
  }
  void allocate() { storage_ = DeviceBuffer<unsigned char>(bytes_); }
  template <class T>
  const T* place(const T* host, size_t count) {
    T* at = reinterpret_cast<T*>(storage_.get() + used_);
    if (count > 0) {
      CTC4J_CUDA_CHECK(cudaMemcpyAsync(at, host, count * sizeof(T), cudaMemcpyHostToDevice, cudaStreamPerThread));
    }
    used_ += padded(count * sizeof(T));
    return at;
  }
  // Waits for the copies, so that other threads' streams may read the tables.
  DeviceBuffer<unsigned char> take() {
    CTC4J_CUDA_CHECK(cudaStreamSynchronize(cudaStreamPerThread));
    return std::move(storage_);
  }

 private:
  static size_t padded(size_t bytes) { return (bytes + 255) / 256 * 256; }
  DeviceBuffer<unsigned char> storage_;
  size_t bytes_ = 0, used_ = 0;
};

constexpr int64_t kMaxGridY = 65535;

// Grid-stride loops over n elements: blocks of `threads`, at most 65,535 of them, each thread taking
// elements grid_first(), grid_first() + grid_step(), ...
inline unsigned grid_stride_blocks(int64_t n, int threads) {
  return static_cast<unsigned>(std::max<int64_t>(1, std::min<int64_t>((n + threads - 1) / threads, 65535)));
}
__device__ inline int64_t grid_first() { return blockIdx.x * int64_t{blockDim.x} + threadIdx.x; }
__device__ inline int64_t grid_step() { return int64_t{gridDim.x} * blockDim.x; }

// Blocks along x, checked against the grid's limit.
inline unsigned grid_x(int64_t blocks) {
  require(blocks <= INT_MAX, "a CUDA launch needs " + std::to_string(blocks) + " blocks along x, more than the " +
                                 std::to_string(INT_MAX) + " a grid holds");
  return static_cast<unsigned>(blocks);
}

// Launches over `rows` items along y in chunks of at most kMaxGridY: launch(blocks_y, first_row)
// must offset blockIdx.y by first_row. Each launch is checked.
template <class Launch>
void launch_rows(int64_t rows, Launch launch) {
  for (int64_t first = 0; first < rows; first += kMaxGridY) {
    launch(static_cast<unsigned>(std::min(kMaxGridY, rows - first)), first);
    CTC4J_CUDA_CHECK_LAUNCH();
  }
}

}  // namespace ctc4j
