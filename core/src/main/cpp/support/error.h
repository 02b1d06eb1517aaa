// Error plumbing shared by libctc4j_cpu and libctc4j_cuda: code throws ctc4j::Error; `guarded` (at
// every extern "C" entry point) turns any exception into a status and a thread-local message, so
// nothing propagates across the JNI edge. Each library defines set_last_error once (support/error.cpp,
// cuda/runtime.cu).
#pragma once
#include <cstdint>
#include <initializer_list>
#include <new>
#include <stdexcept>
#include <string>

#include "ctc4j/core.h"

namespace ctc4j {

class Error : public std::runtime_error {
 public:
  Error(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

inline void require(bool condition, const std::string& message) {
  if (!condition) throw Error(CTC4J_INVALID_ARGUMENT, message);
}

// Refuses a negative size, naming it.
inline void require_sizes(std::initializer_list<int64_t> sizes) {
  for (int64_t s : sizes) require(s >= 0, "negative size " + std::to_string(s));
}

void set_last_error(const std::string& message);
const char* last_error_message();  // the calling thread's (libctc4j_cpu)

template <class Body>
int guarded(Body&& body) noexcept {
  try {
    body();
    return CTC4J_OK;
  } catch (const Error& e) {
    set_last_error(e.what());
    return e.status();
  } catch (const std::bad_alloc&) {
    set_last_error("out of host memory");
    return CTC4J_OUT_OF_MEMORY;
  } catch (const std::exception& e) {
    set_last_error(std::string("internal error: ") + e.what());
    return CTC4J_INTERNAL;
  } catch (...) {
    set_last_error("internal error: unknown exception");
    return CTC4J_INTERNAL;
  }
}

}  // namespace ctc4j
