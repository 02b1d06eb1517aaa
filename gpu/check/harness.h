// The GPU harness's driver: every CUDA entry point of the C API run on a device and on the CPU
// (CTC4J_CPU) over the same fresh seeded inputs, compared element by element. It links only
// libctc4j_cpu and reaches the device through the same public API the JVM uses, so what it checks
// is what Java gets. A dry run passes CTC4J_CPU as "the device": every step runs, no CUDA call does.
#pragma once
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "ctc4j/core.h"

namespace harness {

// A ctc4j call that failed, with the library's message.
struct ApiError : std::runtime_error {
  ApiError(int code, const std::string& call)
      : std::runtime_error(call + " returned " + std::to_string(code) + ": " + ctc4j_last_error()), status(code) {}
  int status;
};

inline void check(int status, const char* call) {  // names the function, not its arguments
  if (status != CTC4J_OK) throw ApiError(status, std::string(call).substr(0, std::string(call).find('(')));
}
#define CTC4J_CHECK(call) ::harness::check((call), #call)

// Memory on a device (or the CPU) through ctc4j_alloc, freed by its destructor.
template <class T>
class Buffer {
 public:
  Buffer(int device, size_t count) : device_(device), count_(count) {
    void* p = nullptr;
    CTC4J_CHECK(ctc4j_alloc(device, std::max<size_t>(count, 1) * sizeof(T), &p));
    data_ = static_cast<T*>(p);
  }
  Buffer(int device, const std::vector<T>& host) : Buffer(device, host.size()) { upload(host); }
  ~Buffer() { ctc4j_free(device_, data_); }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  T* get() const { return data_; }
  size_t size() const { return count_; }
  void upload(const std::vector<T>& host) {
    CTC4J_CHECK(ctc4j_copy(data_, device_, host.data(), CTC4J_CPU, host.size() * sizeof(T)));
  }
  std::vector<T> download() const {
    std::vector<T> host(count_);
    CTC4J_CHECK(ctc4j_copy(host.data(), CTC4J_CPU, data_, device_, count_ * sizeof(T)));
    return host;
  }
  // Fills every byte with 0xff (a NaN for floats, -1 for integers), so unwritten outputs show.
  void poison() { upload(std::vector<T>(count_, poison_value())); }

 private:
  static T poison_value() {
    T v;
    std::memset(&v, 0xff, sizeof v);
    return v;
  }
  int device_;
  size_t count_;
  T* data_ = nullptr;
};

// Worst element of a comparison; ok when every |got - want| <= abs_tol + rel_tol |want|, NaN only
// where NaN is expected and infinities equal.
struct Diff {
  double max_abs = 0, max_rel = 0;
  size_t worst = 0, bad = 0;
  std::string where;
  bool ok() const { return bad == 0; }
};

Diff compare(const float* got, const float* want, size_t n, double abs_tol, double rel_tol);
Diff compare(const std::vector<float>& got, const std::vector<float>& want, double abs_tol, double rel_tol);
template <class T>
Diff compare_exact(const std::vector<T>& got, const std::vector<T>& want) {
  Diff d;
  for (size_t i = 0; i < want.size(); ++i) {
    if (got[i] == want[i]) continue;
    if (d.bad++ == 0) d.worst = i, d.where = "element " + std::to_string(i) + ": " + std::to_string(got[i]) +
                                             " vs " + std::to_string(want[i]);
  }
  d.max_abs = d.bad > 0 ? 1 : 0;
  return d;
}

struct Result {
  bool ok = true;
  double max_abs_err = 0, max_rel_err = 0;
  std::string tolerance, detail;
  double device_ms = -1, cpu_ms = -1;  // the compared calls' wall times (each call synchronises)
  void add(const std::string& what, const Diff& d);  // folds one comparison in
  void require(bool condition, const std::string& what);
};

// Where a check runs: `device` is a CUDA ordinal, or CTC4J_CPU in a dry run; `large` selects the
// issue's large cases, which a dry run shrinks by `shrink` in their large dimensions.
struct Context {
  int device;
  bool dry_run, large;
  uint64_t seed;
  int shrink(int64_t full, int64_t dry) const { return static_cast<int>(dry_run ? dry : full); }
};

class Random {
 public:
  explicit Random(uint64_t seed) : engine_(seed) {}
  float normal() { return normal_(engine_); }
  float uniform(float lo, float hi) { return std::uniform_real_distribution<float>(lo, hi)(engine_); }
  int64_t integer(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(engine_); }
  std::vector<float> normals(size_t n, float scale = 1.0f);
  std::vector<float> uniforms(size_t n, float lo, float hi);

 private:
  std::mt19937_64 engine_;
  std::normal_distribution<float> normal_;
};

// Log-softmax of rows of `classes` values, in place, in double.
void log_softmax_rows(std::vector<float>& x, int64_t classes);

template <class F>
double time_ms(F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

struct Check {
  std::string name;
  bool large;  // one of the large cases (skipped in --size small)
  std::function<Result(const Context&, Random&)> run;
};

void add_ctc_checks(std::vector<Check>& out);
void add_feature_checks(std::vector<Check>& out);
void add_decode_checks(std::vector<Check>& out);
void add_optim_checks(std::vector<Check>& out);
void add_transformer_checks(std::vector<Check>& out);
void add_nn_checks(std::vector<Check>& out);
void add_library_checks(std::vector<Check>& out);

}  // namespace harness
