// The n-gram LM's C API (ctc4j/decode.h): thin wrappers over handles/lm.h.
#include <string>

#include "ctc4j/decode.h"
#include "handles/lm.h"
#include "support/error.h"

using namespace ctc4j;

extern "C" {

int ctc4j_lm_create(int order, const int64_t* counts, const char* words, int vocab_size, const int32_t* const* ids,
                    const float* const* probs, const float* const* backoffs, ctc4j_lm** out) {
  return guarded([&] {
    *out = nullptr;
    *out = lm::create(order, counts, words, vocab_size, ids, probs, backoffs).release();
  });
}

int ctc4j_lm_destroy(ctc4j_lm* lm) {
  return guarded([&] { delete lm; });
}

int ctc4j_lm_save(const ctc4j_lm* lm, const char* path, uint64_t fingerprint) {
  return guarded([&] {
    require(lm != nullptr && path != nullptr, "null argument");
    lm::save(*lm, path, fingerprint);
  });
}

int ctc4j_lm_load(const char* path, uint64_t fingerprint, ctc4j_lm** out) {
  return guarded([&] {
    *out = nullptr;
    require(path != nullptr, "null path");
    *out = lm::load(path, fingerprint).release();
  });
}

int ctc4j_lm_info(const ctc4j_lm* lm, int* order, int* vocab_size, int64_t* native_bytes) {
  return guarded([&] {
    require(lm != nullptr, "null LM");
    *order = lm->view.order;
    *vocab_size = lm->view.vocab_size;
    *native_bytes = lm->native_bytes();
  });
}

int ctc4j_lm_word_id(const ctc4j_lm* lm, const char* word, int* id) {
  return guarded([&] {
    require(lm != nullptr && word != nullptr, "null argument");
    *id = lm->word_id(word);
  });
}

int ctc4j_lm_log10_prob(const ctc4j_lm* lm, const int32_t* words, int n, float* out) {
  return guarded([&] {
    require(lm != nullptr && words != nullptr && n >= 1, "need an LM and at least one word");
    for (int i = 0; i < n; ++i) {
      require(words[i] >= -1 && words[i] < lm->view.vocab_size, "word id " + std::to_string(words[i]) + " out of range");
    }
    *out = ngram_log10_prob(lm->view, words, n - 1, words[n - 1]);
  });
}

}  // extern "C"
