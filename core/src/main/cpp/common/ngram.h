// The n-gram table view shared by the CPU and CUDA decoders: unigrams indexed by word id, higher
// orders in open-addressing tables (linear probing) keyed by a 64-bit hash of the word ids in
// reverse order (newest first), so one pass extends both the n-gram and its context key.
#pragma once
#include <stdint.h>

#include "common/hd.h"

namespace ctc4j {

constexpr int kMaxNgramOrder = 16;
constexpr uint64_t kNgramSeed = 0x2545F4914F6CDD1Dull;

struct NgramEntry {
  uint64_t key;  // 0 marks an empty slot
  float log10_prob;
  float log10_backoff;
};

struct NgramTableView {
  int order = 0;
  int vocab_size = 0;
  int bos = -1, eos = -1, unk = -1;
  float oov_log10 = -10.0f;                 // for words outside a vocabulary without <unk>
  const NgramEntry* tables[kMaxNgramOrder];  // tables[0] = unigrams by id; tables[k] for order k+1
  uint64_t capacity[kMaxNgramOrder];
};

// splitmix64's finaliser over (key, word): the key of the sequence extended by one older word.
CTC4J_HD uint64_t ngram_key_extend(uint64_t key, int32_t word) {
  uint64_t z = key * 0x9E3779B97F4A7C15ull + static_cast<uint32_t>(word) + 1;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return z == 0 ? 1 : z;
}

CTC4J_HD uint64_t ngram_slot(uint64_t key, uint64_t capacity) {
#if defined(__CUDA_ARCH__)
  return __umul64hi(key, capacity);
#else
  __extension__ typedef unsigned __int128 uint128;
  return static_cast<uint64_t>((static_cast<uint128>(key) * capacity) >> 64);
#endif
}

CTC4J_HD const NgramEntry* ngram_find(const NgramTableView& lm, int order, uint64_t key) {
  const NgramEntry* table = lm.tables[order - 1];
  const uint64_t capacity = lm.capacity[order - 1];
  for (uint64_t i = ngram_slot(key, capacity);; i = i + 1 == capacity ? 0 : i + 1) {
    if (table[i].key == key) return &table[i];
    if (table[i].key == 0) return nullptr;
  }
}

// log10 P(word | history[0..n-1]) (oldest first) with ARPA backoff: the longest n-gram
// (context suffix, word) found gives the probability, plus the backoffs of every longer context.
CTC4J_HD float ngram_log10_prob(const NgramTableView& lm, const int32_t* history, int n, int32_t word) {
  if (word < 0) {
    if (lm.unk < 0) return lm.oov_log10;
    word = lm.unk;
  }
  if (n > lm.order - 1) {
    history += n - (lm.order - 1);
    n = lm.order - 1;
  }
  float prob = lm.tables[0][word].log10_prob, backoffs = 0.0f;
  uint64_t key = ngram_key_extend(kNgramSeed, word), context = kNgramSeed;
  for (int j = 1; j <= n; ++j) {
    const int32_t h = history[n - j];
    if (h < 0) break;  // an out-of-vocabulary word ends every longer context
    key = ngram_key_extend(key, h);
    context = ngram_key_extend(context, h);
    if (const NgramEntry* e = ngram_find(lm, j + 1, key)) {
      prob = e->log10_prob;
      backoffs = 0.0f;
    } else if (j == 1) {
      backoffs += lm.tables[0][h].log10_backoff;
    } else if (const NgramEntry* c = ngram_find(lm, j, context)) {
      backoffs += c->log10_backoff;
    }
  }
  return prob + backoffs;
}

}  // namespace ctc4j
