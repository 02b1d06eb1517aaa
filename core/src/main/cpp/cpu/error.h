// Error plumbing for the C API: kernels throw ctc4j::Error; `guarded` turns any exception into a
// status and a thread-local message, so nothing propagates across the JNI edge.
#pragma once
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

void set_last_error(const std::string& message);

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
