// libFuzzer target for the binary LM cache reader (ctc4j_lm_load: core/src/main/cpp/api/lm.cpp, handles/lm.cpp).
// The input is the cache after its 8-byte magic and 8-byte source fingerprint, the same format as
// the Java target's corpus (core/src/test/resources/dev/ctc4j/lm/LmCacheFuzzTestInputs/load/): the harness
// writes the magic and a fixed fingerprint in front, loads the file and queries every order.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "cuda_bridge/loader.h"
#include "support/error.h"
#include "ctc4j/decode.h"

// The LM's only links outside itself: the error message store and the CUDA backend, which a cache
// load never reaches (tables go to a GPU only when a GPU decoder asks).
namespace ctc4j {
void set_last_error(const std::string&) {}
namespace cuda {
void* symbol(const char*) { std::abort(); }
void check(int) { std::abort(); }
}  // namespace cuda
}  // namespace ctc4j

namespace {

constexpr char kMagic[8] = {'C', 'T', 'C', '4', 'J', 'L', 'M', '1'};
constexpr uint64_t kFingerprint = 42;

const std::string& cache_path() {
  static const std::string path = "/tmp/ctc4j-lm-cache-fuzz." + std::to_string(getpid());
  return path;
}

bool write_cache(const uint8_t* data, size_t size) {
  std::FILE* f = std::fopen(cache_path().c_str(), "wb");
  if (!f) return false;
  bool ok = std::fwrite(kMagic, 1, 8, f) == 8 && std::fwrite(&kFingerprint, 8, 1, f) == 1 &&
            (size == 0 || std::fwrite(data, 1, size, f) == size);
  return std::fclose(f) == 0 && ok;
}

// What a decoder asks: n-grams of every order over the first few word ids (and -1, an unknown word).
void query(const ctc4j_lm* lm) {
  int order = 0, vocab = 0;
  int64_t bytes = 0;
  if (ctc4j_lm_info(lm, &order, &vocab, &bytes) != 0) std::abort();
  int32_t words[8];
  for (int w = -1; w < vocab && w < 6; ++w) {
    for (int n = 1; n <= order && n <= 8; ++n) {
      for (int i = 0; i < n; ++i) words[i] = (w + i) % (vocab < 6 ? vocab : 6);
      words[n - 1] = w;
      float p = 0;
      ctc4j_lm_log10_prob(lm, words, n, &p);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (!write_cache(data, size)) return 0;
  ctc4j_lm* lm = nullptr;
  if (ctc4j_lm_load(cache_path().c_str(), kFingerprint, &lm) == 0) {
    query(lm);
    ctc4j_lm_destroy(lm);
  }
  return 0;
}
