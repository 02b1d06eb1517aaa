#include "cuda_bridge/loader.h"

#include <dlfcn.h>

#include <cstdio>
#include <mutex>

#include "cuda_bridge/abi.h"
#include "cuda_bridge/exports/runtime.h"

namespace ctc4j::cuda {
namespace {

struct Backend {
  void* library = nullptr;
  int devices = 0;
  std::string status = "not probed";
};

std::string directory_of_this_library() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&ctc4j_version), &info) == 0 || info.dli_fname == nullptr) return ".";
  std::string path = info.dli_fname;
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

std::string hex(uint64_t v) {
  char text[19];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(v));
  return text;
}

Backend probe() {
  Backend b;
  if (void* driver = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL); driver == nullptr) {
    b.status = "no NVIDIA driver (libcuda.so.1 not found)";
    return b;
  }
  std::string path = directory_of_this_library() + "/libctc4j_cuda.so";
  b.library = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (b.library == nullptr) {
    const char* why = dlerror();
    b.status = std::string("CUDA backend not built or not loadable (") + (why ? why : path) + ")";
    return b;
  }
  auto count = reinterpret_cast<decltype(&ctc4jcu_device_count)>(dlsym(b.library, "ctc4jcu_device_count"));
  auto error = reinterpret_cast<decltype(&ctc4jcu_last_error)>(dlsym(b.library, "ctc4jcu_last_error"));
  auto abi = reinterpret_cast<decltype(&ctc4jcu_abi_fingerprint)>(dlsym(b.library, "ctc4jcu_abi_fingerprint"));
  if (count == nullptr || error == nullptr || abi == nullptr) {
    b.status = "CUDA backend is missing its entry points (" + path + " is from another build)";
  } else if (abi() != abi_fingerprint()) {
    b.status = "CUDA backend ABI " + hex(abi()) + " differs from the CPU library's " + hex(abi_fingerprint()) + " (" +
               path + " is from another build: rebuild both together)";
  } else if (count(&b.devices) != CTC4J_OK) {
    b.status = error();
    b.devices = 0;
  } else {
    b.status = b.devices > 0 ? "ok" : "no CUDA device";
  }
  return b;
}

const Backend& backend() {
  static const Backend b = probe();  // thread-safe one-time initialisation
  return b;
}

}  // namespace

int device_count() { return backend().devices; }
const std::string& status() { return backend().status; }

void* symbol(const char* name) {
  const Backend& b = backend();
  if (b.devices == 0) throw Error(CTC4J_UNAVAILABLE, "CUDA is not available: " + b.status);
  void* fn = dlsym(b.library, name);
  if (fn == nullptr) throw Error(CTC4J_INTERNAL, std::string("CUDA backend lacks ") + name);
  return fn;
}

void check(int status) {
  if (status == CTC4J_OK) return;
  auto error = reinterpret_cast<decltype(&ctc4jcu_last_error)>(symbol("ctc4jcu_last_error"));
  throw Error(status, error());
}

void require_device(int device) {
  int n = device_count();
  if (device < 0 || device >= n) {
    throw Error(n == 0 ? CTC4J_UNAVAILABLE : CTC4J_INVALID_ARGUMENT,
                "CUDA device " + std::to_string(device) + " does not exist (" + std::to_string(n) +
                    " found; " + status() + ")");
  }
}

}  // namespace ctc4j::cuda
