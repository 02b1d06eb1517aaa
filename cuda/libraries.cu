// cuBLAS and cuDNN, opened at run time (cuda/library_search.h), never linked: libctc4j_cuda loads
// where they are absent and reports what is missing. The functions called through dlsym are
// declared here; where the real headers are on the include path (the GPU harness adds the pip
// wheels' include folders, see gpu/verify.sh), static assertions check those declarations.
#include <cstring>
#include <string>
#include <type_traits>

#include "check.cuh"
#include "cuda_bridge/exports/runtime.h"
#include "libraries.h"
#include "library_search.h"

#if __has_include(<cublas_api.h>)
#include <cublas_api.h>
#define CTC4J_CUBLAS_HEADER 1
#endif
#if __has_include(<cudnn.h>)
#include <cudnn.h>
#define CTC4J_CUDNN_HEADER 1
#endif

namespace ctc4j {
namespace {

// Our declarations of what is called through dlsym (their C ABI).
using CublasGetProperty = int (*)(int type, int* value);  // libraryPropertyType: 0 major, 1 minor, 2 patch
using CudnnGetVersion = size_t (*)();

#ifdef CTC4J_CUBLAS_HEADER
static_assert(std::is_same_v<decltype(&::cublasGetProperty), cublasStatus_t (*)(libraryPropertyType, int*)>);
static_assert(sizeof(cublasStatus_t) == sizeof(int) && sizeof(libraryPropertyType) == sizeof(int));
static_assert(MAJOR_VERSION == 0 && MINOR_VERSION == 1 && PATCH_LEVEL == 2);
#endif
#ifdef CTC4J_CUDNN_HEADER
static_assert(std::is_same_v<decltype(&::cudnnGetVersion), CudnnGetVersion>);
#endif

const LibrarySpec kCublas{"cuBLAS", "CTC4J_CUBLAS_PATH", {"libcublas.so.13", "libcublas.so.12", "libcublas.so"},
                          {"nvidia/cu13/lib", "nvidia/cublas/lib"}, "cublasGetProperty"};
const LibrarySpec kCudnn{"cuDNN", "CTC4J_CUDNN_PATH", {"libcudnn.so.9", "libcudnn.so"}, {"nvidia/cudnn/lib"},
                         "cudnnGetVersion"};

struct Libraries {
  FoundLibrary cublas, cudnn;
};

const Libraries& libraries() {
  static const Libraries found = [] {
    const std::vector<std::string> sites = python_site_folders();
    return Libraries{find_library(kCublas, sites), find_library(kCudnn, sites)};
  }();
  return found;
}

std::string cublas_text(const FoundLibrary& f) {
  if (f.handle == nullptr) return f.describe(kCublas.name);
  auto property = reinterpret_cast<CublasGetProperty>(dlsym(f.handle, "cublasGetProperty"));
  int v[3] = {-1, -1, -1};
  for (int i = 0; i < 3; ++i) property(i, &v[i]);
  return "cuBLAS " + std::to_string(v[0]) + "." + std::to_string(v[1]) + "." + std::to_string(v[2]) + " (" + f.path + ")";
}

std::string cudnn_text(const FoundLibrary& f) {
  if (f.handle == nullptr) return f.describe(kCudnn.name);
  const size_t v = reinterpret_cast<CudnnGetVersion>(dlsym(f.handle, "cudnnGetVersion"))();
  // cuDNN 9 encodes major * 10000 + minor * 100 + patch.
  return "cuDNN " + std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + "." + std::to_string(v % 100) +
         " (" + f.path + ")";
}

void* symbol_of(const FoundLibrary& found, const LibrarySpec& spec, const char* name) {
  if (found.handle == nullptr) throw Error(CTC4J_UNAVAILABLE, found.describe(spec.name));
  void* symbol = dlsym(found.handle, name);
  if (symbol == nullptr) throw Error(CTC4J_UNAVAILABLE, spec.name + " at " + found.path + " has no " + name);
  return symbol;
}

}  // namespace

void* cublas_symbol(const char* name) { return symbol_of(libraries().cublas, kCublas, name); }
void* cudnn_symbol(const char* name) { return symbol_of(libraries().cudnn, kCudnn, name); }

}  // namespace ctc4j

extern "C" int ctc4jcu_library_status(char* out, int capacity) {
  return ctc4j::guarded([&] {
    const ctc4j::Libraries& l = ctc4j::libraries();
    const std::string text = ctc4j::cublas_text(l.cublas) + "; " + ctc4j::cudnn_text(l.cudnn);
    if (capacity > 0) {
      std::strncpy(out, text.c_str(), capacity - 1);
      out[capacity - 1] = '\0';
    }
  });
}
