// Per-CUDA-device copies of an immutable host object's tables: uploaded on first use on a device,
// then shared by every call there, and released with the owner through the libctc4j_cuda export
// named at construction (int release(int device, void* copy)).
#pragma once
#include <mutex>
#include <utility>
#include <vector>

#include "cuda_bridge/loader.h"

namespace ctc4j {

class DeviceCopies {
 public:
  explicit DeviceCopies(const char* release) : release_(release) {}
  DeviceCopies(const DeviceCopies&) = delete;
  DeviceCopies& operator=(const DeviceCopies&) = delete;

  ~DeviceCopies() {
    if (copies_.empty()) return;
    auto release = reinterpret_cast<int (*)(int, void*)>(cuda::symbol(release_));
    for (auto& [device, copy] : copies_) release(device, copy);
  }

  // The copy on `device`, made by upload(device) -> handle the first time.
  template <class Upload>
  const void* on(int device, Upload upload) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [d, copy] : copies_) {
      if (d == device) return copy;
    }
    void* copy = upload(device);
    copies_.emplace_back(device, copy);
    return copy;
  }

 private:
  const char* release_;
  std::mutex mutex_;
  std::vector<std::pair<int, void*>> copies_;
};

}  // namespace ctc4j
