// The native n-gram language model behind ctc4j_lm (see include/ctc4j/decode.h): owns the tables
// a NgramTableView points into, and the vocabulary for word lookups.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/ngram.h"
#include "cuda_bridge/device_copies.h"
#include "ctc4j/decode.h"

struct ctc4j_lm {
  ctc4j::NgramTableView view{};
  std::vector<std::vector<ctc4j::NgramEntry>> tables;  // per order
  std::string words;                                   // vocab_size NUL-terminated strings
  std::vector<uint32_t> word_offsets;
  std::unordered_map<std::string_view, int> word_ids;  // views into `words`
  mutable ctc4j::DeviceCopies device_tables{"ctc4jcu_decode_tables_release"};  // on CUDA devices, once each

  // The handle of the tables' copy on a CUDA device (for ctc4jcu_beam_search).
  const void* on_device(int device) const;

  // -1 when absent.
  int word_id(std::string_view word) const {
    auto it = word_ids.find(word);
    return it == word_ids.end() ? -1 : it->second;
  }
  std::string_view word(int id) const { return std::string_view(words.data() + word_offsets[id]); }
  int64_t native_bytes() const;
};

namespace ctc4j::lm {

// From ARPA rows (see ctc4j_lm_create); throws Error naming the bad row.
std::unique_ptr<ctc4j_lm> create(int order, const int64_t* counts, const char* words, int vocab_size,
                                 const int32_t* const* ids, const float* const* probs, const float* const* backoffs);
// The compact form, written atomically; load throws Error(CTC4J_UNAVAILABLE) for an absent, stale or
// corrupt file.
void save(const ctc4j_lm& lm, const char* path, uint64_t fingerprint);
std::unique_ptr<ctc4j_lm> load(const char* path, uint64_t fingerprint);

}  // namespace ctc4j::lm
