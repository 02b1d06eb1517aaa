// The n-gram table behind ctc4j_lm: built from ARPA rows parsed in Java, queried by the decoders,
// and cached on disk in its compact form (written atomically, checked against the source's fingerprint).
#include "handles/lm.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>

#include "cuda_bridge/exports/decode.h"
#include "cuda_bridge/loader.h"
#include "support/error.h"

using namespace ctc4j;

namespace {

constexpr char kMagic[8] = {'C', 'T', 'C', '4', 'J', 'L', 'M', '1'};
constexpr double kMaxLoad = 0.7;

uint64_t hash_key(const int32_t* ids, int k) {  // newest word first, as ngram_log10_prob extends
  uint64_t key = kNgramSeed;
  for (int i = k - 1; i >= 0; --i) key = ngram_key_extend(key, ids[i]);
  return key;
}

void index_vocabulary(ctc4j_lm& lm) {
  lm.word_offsets.clear();
  lm.word_ids.clear();
  for (size_t at = 0; at < lm.words.size(); at += std::strlen(lm.words.data() + at) + 1) {
    lm.word_offsets.push_back(static_cast<uint32_t>(at));
  }
  require(static_cast<int>(lm.word_offsets.size()) == lm.view.vocab_size, "vocabulary size does not match its words");
  lm.word_ids.reserve(lm.word_offsets.size());
  for (int id = 0; id < lm.view.vocab_size; ++id) {
    if (!lm.word_ids.emplace(lm.word(id), id).second) {
      throw Error(CTC4J_INVALID_ARGUMENT, "duplicate word '" + std::string(lm.word(id)) + "'");
    }
  }
  lm.view.bos = lm.word_id("<s>");
  lm.view.eos = lm.word_id("</s>");
  lm.view.unk = lm.word_id("<unk>");
}

void point_view(ctc4j_lm& lm) {
  for (int k = 0; k < lm.view.order; ++k) {
    lm.view.tables[k] = lm.tables[k].data();
    lm.view.capacity[k] = lm.tables[k].size();
  }
}

void insert(std::vector<NgramEntry>& table, uint64_t key, float prob, float backoff, int order, int64_t row) {
  for (uint64_t i = ngram_slot(key, table.size());; i = i + 1 == table.size() ? 0 : i + 1) {
    if (table[i].key == 0) {
      table[i] = NgramEntry{key, prob, backoff};
      return;
    }
    if (table[i].key == key) {  // (a message built only on failure: this loop is hot)
      throw Error(CTC4J_INVALID_ARGUMENT, "duplicate " + std::to_string(order) + "-gram (row " + std::to_string(row) +
                                              ") or a 64-bit key collision");
    }
  }
}

struct File {
  std::FILE* f;
  ~File() {
    if (f) std::fclose(f);
  }
};

template <class T>
void write(std::FILE* f, const T* data, size_t count) {
  if (count && std::fwrite(data, sizeof(T), count, f) != count) throw Error(CTC4J_INTERNAL, "short write");
}

template <class T>
bool read(std::FILE* f, T* data, size_t count) {
  return count == 0 || std::fread(data, sizeof(T), count, f) == count;
}

uint64_t bytes_left(std::FILE* f) {
  const long at = std::ftell(f);
  if (at < 0 || std::fseek(f, 0, SEEK_END) != 0) return 0;
  const long end = std::ftell(f);
  std::fseek(f, at, SEEK_SET);
  return end > at ? static_cast<uint64_t>(end - at) : 0;
}

// The queries index the unigram table by word id and probe the higher orders until an empty slot:
// a cache whose unigram table is not the vocabulary, or whose hash table is empty or full, would
// read out of bounds or never stop. A NaN score (which the ARPA reader refuses), or a probability and
// backoff that add up to NaN as the queries add them, means corruption.
template <class Stale>
void check_tables(const ctc4j_lm& lm, const Stale& stale) {
  if (lm.tables[0].size() != static_cast<size_t>(lm.view.vocab_size)) throw stale("unigram table does not match the vocabulary");
  for (size_t k = 0; k < lm.tables.size(); ++k) {
    const auto& t = lm.tables[k];
    if (k > 0 && std::none_of(t.begin(), t.end(), [](const NgramEntry& e) { return e.key == 0; })) {
      throw stale(std::to_string(k + 1) + "-gram table has no free slot");
    }
    if (std::any_of(t.begin(), t.end(), [](const NgramEntry& e) { return std::isnan(e.log10_prob + e.log10_backoff); })) {
      throw stale(std::to_string(k + 1) + "-gram table holds a NaN score");
    }
  }
}

}  // namespace

const void* ctc4j_lm::on_device(int device) const {
  return device_tables.on(device, [&](int d) {
    void* copy = nullptr;
    CTC4J_CUDA_CALL(ctc4jcu_lm_upload, &view, d, &copy);
    return copy;
  });
}

int64_t ctc4j_lm::native_bytes() const {
  int64_t bytes = static_cast<int64_t>(words.size() + word_offsets.size() * sizeof(uint32_t));
  for (const auto& t : tables) bytes += static_cast<int64_t>(t.size() * sizeof(NgramEntry));
  // unordered_map: a node (key view, id, next pointer, hash) and a bucket pointer per word.
  bytes += static_cast<int64_t>(word_ids.size() * 48 + word_ids.bucket_count() * sizeof(void*));
  return bytes;
}

namespace ctc4j::lm {

std::unique_ptr<ctc4j_lm> create(int order, const int64_t* counts, const char* words, int vocab_size,
                                 const int32_t* const* ids, const float* const* probs, const float* const* backoffs) {
  require(order >= 1 && order <= kMaxNgramOrder,
          "order must be in [1, " + std::to_string(kMaxNgramOrder) + "], got " + std::to_string(order));
  require(vocab_size >= 1 && counts != nullptr && counts[0] == vocab_size, "the unigrams must be the vocabulary");
  auto lm = std::make_unique<ctc4j_lm>();
  lm->view.order = order;
  lm->view.vocab_size = vocab_size;
  size_t bytes = 0;
  for (int i = 0; i < vocab_size; ++i) bytes += std::strlen(words + bytes) + 1;
  lm->words.assign(words, bytes);
  index_vocabulary(*lm);
  lm->tables.resize(order);
  lm->tables[0].assign(vocab_size, NgramEntry{0, 0.0f, 0.0f});
  for (int64_t r = 0; r < counts[0]; ++r) {
    const int32_t id = ids[0][r];
    if (id < 0 || id >= vocab_size) throw Error(CTC4J_INVALID_ARGUMENT, "unigram row " + std::to_string(r) + " has a bad id");
    lm->tables[0][id] = NgramEntry{1, probs[0][r], backoffs[0][r]};
  }
  for (int k = 2; k <= order; ++k) {
    require(counts[k - 1] >= 0, "negative " + std::to_string(k) + "-gram count");
    auto& table = lm->tables[k - 1];
    table.assign(static_cast<size_t>(counts[k - 1] / kMaxLoad) + 1, NgramEntry{0, 0.0f, 0.0f});
    for (int64_t r = 0; r < counts[k - 1]; ++r) {
      const int32_t* row = ids[k - 1] + r * k;
      for (int i = 0; i < k; ++i) {
        if (row[i] < 0 || row[i] >= vocab_size) {
          throw Error(CTC4J_INVALID_ARGUMENT,
                      std::to_string(k) + "-gram row " + std::to_string(r) + " has word id " + std::to_string(row[i]));
        }
      }
      insert(table, hash_key(row, k), probs[k - 1][r], k < order ? backoffs[k - 1][r] : 0.0f, k, r);
    }
  }
  point_view(*lm);
  return lm;
}

void save(const ctc4j_lm& lm, const char* path, uint64_t fingerprint) {
  const std::string tmp = std::string(path) + ".tmp." + std::to_string(getpid());
  {
    File file{std::fopen(tmp.c_str(), "wb")};
    if (!file.f) throw Error(CTC4J_INVALID_ARGUMENT, "cannot write " + tmp + ": " + std::strerror(errno));
    const uint64_t header[] = {fingerprint, static_cast<uint64_t>(lm.view.order),
                               static_cast<uint64_t>(lm.view.vocab_size), lm.words.size()};
    write(file.f, kMagic, sizeof kMagic);
    write(file.f, header, 4);
    write(file.f, lm.words.data(), lm.words.size());
    for (const auto& t : lm.tables) {
      const uint64_t n = t.size();
      write(file.f, &n, 1);
      write(file.f, t.data(), t.size());
    }
    if (std::fflush(file.f) != 0 || fsync(fileno(file.f)) != 0) throw Error(CTC4J_INTERNAL, "cannot flush " + tmp);
  }
  if (std::rename(tmp.c_str(), path) != 0) {
    std::remove(tmp.c_str());
    throw Error(CTC4J_INTERNAL, std::string("cannot rename the LM cache to ") + path);
  }
}

std::unique_ptr<ctc4j_lm> load(const char* path, uint64_t fingerprint) {
  File file{std::fopen(path, "rb")};
  if (!file.f) throw Error(CTC4J_UNAVAILABLE, std::string("no LM cache at ") + path);
  char magic[8];
  uint64_t header[4];
  auto stale = [&](const std::string& why) { return Error(CTC4J_UNAVAILABLE, std::string(path) + ": " + why); };
  if (!read(file.f, magic, 8) || std::memcmp(magic, kMagic, 8) != 0) throw stale("not an LM cache of this version");
  if (!read(file.f, header, 4)) throw stale("truncated header");
  if (header[0] != fingerprint) throw stale("built from another source file");
  if (header[1] < 1 || header[1] > kMaxNgramOrder) throw stale("bad order");
  if (header[2] < 1 || header[2] > INT32_MAX) throw stale("bad vocabulary size");
  // Sizes are checked against the bytes left before anything is allocated: a corrupt count must
  // not make a small file allocate gigabytes.
  if (header[3] > bytes_left(file.f)) throw stale("vocabulary of " + std::to_string(header[3]) + " bytes is longer than the file");
  auto lm = std::make_unique<ctc4j_lm>();
  lm->view.order = static_cast<int>(header[1]);
  lm->view.vocab_size = static_cast<int>(header[2]);
  lm->words.resize(header[3]);
  if (!read(file.f, lm->words.data(), lm->words.size())) throw stale("truncated vocabulary");
  index_vocabulary(*lm);
  lm->tables.resize(lm->view.order);
  for (auto& t : lm->tables) {
    uint64_t n = 0;
    if (!read(file.f, &n, 1) || n > bytes_left(file.f) / sizeof(NgramEntry)) throw stale("bad table size");
    t.resize(n);
    if (!read(file.f, t.data(), n)) throw stale("truncated table");
  }
  check_tables(*lm, stale);
  point_view(*lm);
  return lm;
}

}  // namespace ctc4j::lm
