// Batched CTC prefix beam search on a CUDA device: one thread block per utterance. Per frame the
// block (1) picks the candidate tokens (threshold, top-k, blank skipping), (2) proposes every beam
// prefix (blank or repeat) and its extensions, one thread per (prefix, token), merging an extension
// into the beam prefix it equals (found by the 64-bit prefix hashes the beam keeps in a shared-memory
// table), and (3) keeps the best `beam` by a radix select on the scores. Prefixes live in a
// per-utterance node pool in global memory (parent + token + word/LM state), so none is copied; the
// word and LM logic is common/prefix_search.h, shared with the CPU decoder (cpu/decode_beam.cpp).
// A batch whose scratch exceeds a memory budget runs in chunks of utterances (blocks never share
// data, so the results are those of one launch).
#include <cub/block/block_scan.cuh>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "check.cuh"
#include "cuda_bridge/exports/decode.h"

namespace ctc4j {
namespace {

constexpr int kThreads = 256;  // also the radix histogram's size: one bin per thread
using BlockScan = cub::BlockScan<int, kThreads>;

// Device tables and the storage they point into (one allocation).
struct DeviceTables {
  DeviceBuffer<unsigned char> storage;
  NgramTableView lm{};
  WordModel words{};
};

struct BeamEntry {
  uint64_t hash;  // of the prefix's tokens (ngram_key_extend from kNgramSeed)
  int32_t node;
  float p_blank, p_token;  // ln P of the prefix's alignments ending in blank / in its last token
};

struct Candidate {
  uint64_t hash;
  float p_blank, p_token;
  Prefix prefix;  // extensions only: the new prefix's text state
};

struct Hypothesis {
  float total, acoustic, lm;
  int32_t node;
};

// Everything the kernel reads and writes; per-utterance workspaces start at b * stride.
struct Search {
  BeamSearchConfig c;
  WordModel words;
  NgramTableView lm;
  bool has_lm;
  const float* emissions;
  const int64_t* lengths;
  int64_t max_frames;
  int64_t candidate_stride;  // beam * (1 + tokens per frame)
  int64_t key_stride;        // max(candidate_stride, classes)
  Prefix* nodes;
  const int64_t* node_offset;  // per utterance: its first node
  Candidate* candidates;
  uint32_t* keys;      // per candidate or token: its order key, 0 when out
  int32_t* tokens;     // [classes] this frame's candidate tokens
  int32_t* chosen;     // [beam] indices of the surviving candidates
  Hypothesis* finals;  // [beam]
  int32_t* hyp_count;
  float* scores;
  int32_t* hyp_lengths;
  int32_t* out_tokens;
  int table_capacity;  // power of two >= 2 beam
};

// A float's order as an unsigned key (larger float, larger key); never 0 for a finite or -inf value.
__device__ uint32_t order_key(float v) {
  const uint32_t bits = __float_as_uint(v);
  return (bits & 0x80000000u) ? ~bits : bits | 0x80000000u;
}

struct SelectShared {
  unsigned histogram[256];
  int count, digit, remaining;
};

// Writes to `chosen`, in index order, the indices of the k largest nonzero keys[0..n) (ties to
// the lower index); returns how many (the same in every thread). MSB-first radix select of the
// k-th largest key, then one compaction pass.
__device__ int select_largest(const uint32_t* keys, int n, int k, int32_t* chosen, SelectShared& sh,
                              BlockScan::TempStorage& scan) {
  if (threadIdx.x == 0) sh.count = 0;
  __syncthreads();
  int valid = 0;
  for (int i = threadIdx.x; i < n; i += kThreads) valid += keys[i] != 0;
  atomicAdd(&sh.count, valid);
  __syncthreads();
  valid = sh.count;
  uint32_t threshold = 0;  // keys above it are in; keys equal to it fill the remaining places
  int take_equal = 0;
  if (valid > k) {
    uint32_t mask = 0;
    int remaining = k;
    for (int shift = 24; shift >= 0; shift -= 8) {
      sh.histogram[threadIdx.x] = 0;
      __syncthreads();
      for (int i = threadIdx.x; i < n; i += kThreads) {
        const uint32_t key = keys[i];
        if (key != 0 && (key & mask) == threshold) atomicAdd(&sh.histogram[(key >> shift) & 0xFFu], 1u);
      }
      __syncthreads();
      if (threadIdx.x == 0) {
        int above = 0, d = 255;
        for (; d > 0 && above + static_cast<int>(sh.histogram[d]) < remaining; --d) above += sh.histogram[d];
        sh.digit = d, sh.remaining = remaining - above;
      }
      __syncthreads();
      threshold |= static_cast<uint32_t>(sh.digit) << shift;
      mask |= 0xFFu << shift;
      remaining = sh.remaining;
      __syncthreads();
    }
    take_equal = remaining;
  }
  int taken = 0, equal_seen = 0;
  for (int base = 0; base < n; base += kThreads) {
    const int i = base + threadIdx.x;
    const uint32_t key = i < n ? keys[i] : 0;
    const int equal = key != 0 && key == threshold;
    int equal_before, equal_total, position, selected_total;
    BlockScan(scan).ExclusiveSum(equal, equal_before, equal_total);
    __syncthreads();
    const int selected = key > threshold || (equal && equal_seen + equal_before < take_equal);
    BlockScan(scan).ExclusiveSum(selected, position, selected_total);
    __syncthreads();
    if (selected) chosen[taken + position] = i;
    taken += selected_total, equal_seen += equal_total;
  }
  __syncthreads();
  return taken;
}

__device__ float log_prob_of(const Search& s, const float* row, int c) {
  return emission_log_prob(row[c], s.c.log_probs);
}

// This frame's candidate tokens into `tokens` (in class order); returns how many.
__device__ int pick_tokens(const Search& s, const float* row, uint32_t* keys, int32_t* tokens, SelectShared& sh,
                           BlockScan::TempStorage& scan) {
  const bool skipped = log_prob_of(s, row, s.c.blank) > s.c.blank_skip_log_prob;
  for (int c = threadIdx.x; c < s.c.classes; c += kThreads) {
    const float lp = log_prob_of(s, row, c);
    const bool usable = !skipped && c != s.c.blank && lp >= s.c.token_min_log_prob && lp != kLnZero;
    keys[c] = usable ? order_key(lp) : 0;
  }
  __syncthreads();
  return select_largest(keys, s.c.classes, s.c.top_k > 0 ? s.c.top_k : s.c.classes, tokens, sh, scan);
}

__device__ int32_t find_in_beam(const int32_t* table, int capacity, const BeamEntry* beam, uint64_t hash) {
  for (int slot = static_cast<int>(hash & (capacity - 1));; slot = (slot + 1) & (capacity - 1)) {
    const int32_t i = table[slot];
    if (i < 0 || beam[i].hash == hash) return i;
  }
}

__global__ void __launch_bounds__(kThreads) beam_search_kernel(const __grid_constant__ Search s) {
  const int b = blockIdx.x;
  const int beam_width = s.c.beam;
  extern __shared__ __align__(16) unsigned char shared[];
  BeamEntry* beams = reinterpret_cast<BeamEntry*>(shared);  // two buffers of beam_width
  float* merged = reinterpret_cast<float*>(beams + 2 * beam_width);  // per beam entry: an extension's mass
  int32_t* table = reinterpret_cast<int32_t*>(merged + beam_width);  // beam prefixes by hash
  __shared__ SelectShared sh;
  __shared__ BlockScan::TempStorage scan;

  const NgramTableView* lm = s.has_lm ? &s.lm : nullptr;
  Prefix* nodes = s.nodes + s.node_offset[b];
  Candidate* cands = s.candidates + b * s.candidate_stride;
  uint32_t* keys = s.keys + b * s.key_stride;
  int32_t* tokens = s.tokens + static_cast<int64_t>(b) * s.c.classes;
  int32_t* chosen = s.chosen + static_cast<int64_t>(b) * beam_width;
  const float* emissions = s.emissions + b * s.max_frames * s.c.classes;

  if (threadIdx.x == 0) {
    nodes[0] = root_prefix();
    beams[0] = BeamEntry{kNgramSeed, 0, 0.0f, kLnZero};
  }
  int beam_size = 1, current = 0;
  int32_t pool = 1;
  __syncthreads();
  for (int64_t t = 0; t < s.lengths[b]; ++t) {
    const float* row = emissions + t * s.c.classes;
    const BeamEntry* beam = beams + current * beam_width;
    BeamEntry* next = beams + (1 - current) * beam_width;
    const int n_tokens = pick_tokens(s, row, keys, tokens, sh, scan);
    const int slots = 1 + n_tokens, n_candidates = beam_size * slots;
    for (int i = threadIdx.x; i < s.table_capacity; i += kThreads) table[i] = -1;
    for (int i = threadIdx.x; i < beam_size; i += kThreads) merged[i] = kLnZero;
    __syncthreads();
    for (int i = threadIdx.x; i < beam_size; i += kThreads) {
      for (int slot = static_cast<int>(beam[i].hash & (s.table_capacity - 1));;
           slot = (slot + 1) & (s.table_capacity - 1)) {
        if (atomicCAS(&table[slot], -1, i) == -1) break;
      }
    }
    __syncthreads();
    // Extensions: a new prefix, or more mass for the beam prefix it equals (at most one extension
    // reaches each, so `merged` has one writer).
    for (int idx = threadIdx.x; idx < n_candidates; idx += kThreads) {
      const int i = idx / slots, j = idx % slots;
      if (j == 0) continue;
      const BeamEntry e = beam[i];
      const int32_t token = tokens[j - 1];
      const float mass =
          (token == nodes[e.node].token ? e.p_blank : log_add_exp(e.p_blank, e.p_token)) + log_prob_of(s, row, token);
      uint32_t key = 0;
      if (mass != kLnZero) {
        const uint64_t hash = ngram_key_extend(e.hash, token);
        const int32_t m = find_in_beam(table, s.table_capacity, beam, hash);
        Candidate& c = cands[idx];
        if (m >= 0) {
          merged[m] = mass;
        } else if (extend_prefix(s.words, lm, nodes, e.node, token, c.prefix)) {
          c.hash = hash, c.p_blank = kLnZero, c.p_token = mass;
          const float score = combined_score(mass, c.prefix.lm_ln, c.prefix.words, s.c.alpha, s.c.beta, 0.0f);
          key = score == kLnZero ? 0 : order_key(score);
        }
      }
      keys[idx] = key;
    }
    __syncthreads();
    // The beam prefixes themselves: a blank, or the last token repeated (plus a merged extension).
    const float blank = log_prob_of(s, row, s.c.blank);
    for (int i = threadIdx.x; i < beam_size; i += kThreads) {
      const BeamEntry e = beam[i];
      const Prefix& p = nodes[e.node];
      const float repeat = e.node == 0 ? kLnZero : e.p_token + log_prob_of(s, row, p.token);
      Candidate& c = cands[i * slots];
      c.hash = e.hash;
      c.p_blank = log_add_exp(e.p_blank, e.p_token) + blank;
      c.p_token = log_add_exp(repeat, merged[i]);
      const float score =
          combined_score(log_add_exp(c.p_blank, c.p_token), p.lm_ln, p.words, s.c.alpha, s.c.beta, 0.0f);
      keys[i * slots] = score == kLnZero ? 0 : order_key(score);
    }
    __syncthreads();
    const int survivors = select_largest(keys, n_candidates, beam_width, chosen, sh, scan);
    // The next beam; surviving extensions get nodes, numbered in candidate order.
    for (int base = 0; base < survivors; base += kThreads) {
      const int r = base + threadIdx.x;
      const int idx = r < survivors ? chosen[r] : -1;
      const int fresh = idx >= 0 && idx % slots != 0;
      int fresh_before, fresh_total;
      BlockScan(scan).ExclusiveSum(fresh, fresh_before, fresh_total);
      if (idx >= 0) {
        const Candidate& c = cands[idx];
        int32_t node = beam[idx / slots].node;
        if (fresh) {
          node = pool + fresh_before;
          nodes[node] = c.prefix;
        }
        next[r] = BeamEntry{c.hash, node, c.p_blank, c.p_token};
      }
      pool += fresh_total;
      __syncthreads();
    }
    beam_size = survivors, current = 1 - current;
    __syncthreads();
  }
  // The utterance end: score the partial words and </s>, rank, and write the n-best.
  const BeamEntry* beam = beams + current * beam_width;
  Hypothesis* finals = s.finals + static_cast<int64_t>(b) * beam_width;
  for (int i = threadIdx.x; i < beam_size; i += kThreads) {
    const BeamEntry e = beam[i];
    Prefix q = nodes[e.node];
    const float acoustic = log_add_exp(e.p_blank, e.p_token);
    const bool complete = finish_prefix(s.words, lm, nodes, e.node, q);
    const float total = complete ? combined_score(acoustic, q.lm_ln, q.words, s.c.alpha, s.c.beta, 0.0f) : kLnZero;
    finals[i] = Hypothesis{total, acoustic, q.lm_ln, e.node};
  }
  if (threadIdx.x == 0) sh.count = 0;
  __syncthreads();
  for (int i = threadIdx.x; i < beam_size; i += kThreads) {
    const Hypothesis h = finals[i];
    if (h.total == kLnZero) continue;
    atomicAdd(&sh.count, 1);
    int rank = 0;
    for (int j = 0; j < beam_size; ++j) rank += finals[j].total > h.total || (finals[j].total == h.total && j < i);
    if (rank >= s.c.n_best) continue;
    const int64_t slot = static_cast<int64_t>(b) * s.c.n_best + rank;
    s.scores[3 * slot] = h.total, s.scores[3 * slot + 1] = h.acoustic, s.scores[3 * slot + 2] = h.lm;
    int32_t length = 0;
    for (int32_t n = h.node; n > 0; n = nodes[n].parent) ++length;
    s.hyp_lengths[slot] = length;
    int32_t* out = s.out_tokens + slot * s.max_frames;
    for (int32_t n = h.node; n > 0; n = nodes[n].parent) out[--length] = nodes[n].token;
  }
  __syncthreads();
  if (threadIdx.x == 0) s.hyp_count[b] = min(sh.count, s.c.n_best);
}

// Rows [0, frames) of one utterance's emissions at the columns of a class list (see ColumnGather).
__global__ void gather_columns_kernel(const float* emissions, int64_t max_frames, int classes,
                                      const ColumnGather* parts, const int32_t* class_list, float* out,
                                      int64_t first_part) {
  const ColumnGather g = parts[first_part + blockIdx.y];
  const float* u = emissions + g.utterance * max_frames * classes;
  const int32_t* columns = class_list + g.column_offset;
  const int64_t n = g.frames * g.columns;
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += int64_t{gridDim.x} * blockDim.x) {
    out[g.out_offset + i] = u[(i / g.columns) * classes + columns[i % g.columns]];
  }
}

int table_capacity(int beam) {
  int capacity = 1;
  while (capacity < 2 * beam) capacity *= 2;
  return capacity;
}

size_t shared_bytes(int beam) {
  return 2 * sizeof(BeamEntry) * beam + sizeof(float) * beam + sizeof(int32_t) * table_capacity(beam);
}

// The dynamic shared memory a launch may use on `device` (the current one). The kernel's limit is
// raised once per device, to what kMaxGpuBeam needs or the device's opt-in maximum if less: a
// per-call setting would race between threads decoding with different beams.
size_t shared_limit(int device) {
  static PerDevice<size_t> limits;
  return limits.get(device, [&] {
    int optin = 0;
    CTC4J_CUDA_CHECK(cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, device));
    cudaFuncAttributes kernel{};
    CTC4J_CUDA_CHECK(cudaFuncGetAttributes(&kernel, beam_search_kernel));
    const size_t limit = std::min(shared_bytes(kMaxGpuBeam), static_cast<size_t>(optin) - kernel.sharedSizeBytes);
    CTC4J_CUDA_CHECK(cudaFuncSetAttribute(beam_search_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                          static_cast<int>(limit)));
    return limit;
  });
}

// The device memory one launch may take for its scratch: half of what is free, at most 4 GiB
// (which also keeps node indices, int32, far from overflowing).
size_t scratch_budget() {
  size_t free = 0, total = 0;
  CTC4J_CUDA_CHECK(cudaMemGetInfo(&free, &total));
  return std::min<size_t>(free / 2, size_t{4} << 30);
}

// The scratch of a search and the bytes each utterance takes of it (the allocations of
// run_chunk, per utterance).
struct ScratchLayout {
  int64_t candidate_stride;  // beam * (1 + tokens per frame)
  int64_t key_stride;        // max(candidate_stride, classes)

  explicit ScratchLayout(const BeamSearchConfig& c) {
    const int tokens_per_frame = c.top_k > 0 ? std::min(c.top_k, c.classes - 1) : c.classes - 1;
    candidate_stride = static_cast<int64_t>(c.beam) * (1 + tokens_per_frame);
    key_stride = std::max<int64_t>(candidate_stride, c.classes);
  }

  static int64_t nodes(const BeamSearchConfig& c, int64_t frames) { return 1 + c.beam * frames; }

  size_t bytes(const BeamSearchConfig& c, int64_t frames, int64_t max_frames) const {
    const size_t search = sizeof(Prefix) * nodes(c, frames) + sizeof(Candidate) * candidate_stride +
                          sizeof(uint32_t) * key_stride + sizeof(int32_t) * (c.classes + c.beam) +
                          sizeof(Hypothesis) * c.beam + 2 * sizeof(int64_t);
    const size_t results = sizeof(int32_t) + c.n_best * (3 * sizeof(float) + sizeof(int32_t) * (1 + max_frames));
    return search + results;
  }
};

// Where the results of utterances [first, first + count) go in the caller's host arrays.
struct HostResults {
  int32_t* hyp_count;
  float* scores;
  int32_t* hyp_lengths;
  int32_t* tokens;
};

// Searches utterances [first, first + count) in one launch and copies their results to the host.
void run_chunk(Search s, const ScratchLayout& layout, const int64_t* lengths, int first, int count,
               size_t shared, const HostResults& out) {
  const BeamSearchConfig& c = s.c;
  std::vector<int64_t> node_offset(count);
  int64_t nodes = 0;
  for (int b = 0; b < count; ++b) node_offset[b] = nodes, nodes += ScratchLayout::nodes(c, lengths[first + b]);
  const size_t slots = static_cast<size_t>(count) * c.n_best;
  const DeviceBuffer<int64_t> d_lengths(lengths + first, count), d_offset(node_offset);
  const DeviceBuffer<Prefix> d_nodes(nodes);
  const DeviceBuffer<Candidate> d_candidates(count * layout.candidate_stride);
  const DeviceBuffer<uint32_t> d_keys(count * layout.key_stride);
  const DeviceBuffer<int32_t> d_tokens(static_cast<size_t>(count) * c.classes);
  const DeviceBuffer<int32_t> d_chosen(static_cast<size_t>(count) * c.beam);
  const DeviceBuffer<Hypothesis> d_finals(static_cast<size_t>(count) * c.beam);
  const DeviceBuffer<int32_t> d_count(count), d_hyp_lengths(slots), d_out_tokens(slots * s.max_frames);
  const DeviceBuffer<float> d_scores(3 * slots);
  s.emissions += static_cast<int64_t>(first) * s.max_frames * c.classes;
  s.lengths = d_lengths.get(), s.node_offset = d_offset.get(), s.nodes = d_nodes.get();
  s.candidates = d_candidates.get(), s.keys = d_keys.get(), s.tokens = d_tokens.get(), s.chosen = d_chosen.get();
  s.finals = d_finals.get(), s.hyp_count = d_count.get(), s.scores = d_scores.get();
  s.hyp_lengths = d_hyp_lengths.get(), s.out_tokens = d_out_tokens.get();
  beam_search_kernel<<<count, kThreads, shared, cudaStreamPerThread>>>(s);
  CTC4J_CUDA_CHECK_LAUNCH();
  const size_t first_slot = static_cast<size_t>(first) * c.n_best;
  d_count.copy_to(out.hyp_count + first, count);
  d_scores.copy_to(out.scores + 3 * first_slot, 3 * slots);
  d_hyp_lengths.copy_to(out.hyp_lengths + first_slot, slots);
  d_out_tokens.copy_to(out.tokens + first_slot * s.max_frames, slots * s.max_frames);
  CTC4J_CUDA_CHECK(cudaStreamSynchronize(cudaStreamPerThread));
}

}  // namespace
}  // namespace ctc4j

using namespace ctc4j;

extern "C" {

int ctc4jcu_lm_upload(const NgramTableView* host, int device, void** out) {
  return guarded([&] {
    CTC4J_CUDA_CHECK(cudaSetDevice(device));
    DeviceArena arena;
    for (int k = 0; k < host->order; ++k) arena.reserve<NgramEntry>(host->capacity[k]);
    arena.allocate();
    auto tables = std::make_unique<DeviceTables>();
    tables->lm = *host;
    for (int k = 0; k < host->order; ++k) tables->lm.tables[k] = arena.place(host->tables[k], host->capacity[k]);
    tables->storage = arena.take();
    *out = tables.release();
  });
}

int ctc4jcu_words_upload(const WordModel* host, int trie_nodes, int trie_edges, int classes, int device, void** out) {
  return guarded([&] {
    CTC4J_CUDA_CHECK(cudaSetDevice(device));
    const int token_words = host->token_word != nullptr ? classes : 0;
    DeviceArena arena;
    arena.reserve<int32_t>(trie_nodes + 1);
    arena.reserve<TrieEdge>(trie_edges);
    arena.reserve<int32_t>(trie_nodes);
    arena.reserve<int32_t>(token_words);
    arena.allocate();
    auto tables = std::make_unique<DeviceTables>();
    WordModel& w = tables->words;
    w = *host;
    w.words.first = arena.place(host->words.first, trie_nodes + 1);
    w.words.edges = arena.place(host->words.edges, trie_edges);
    w.word_of = arena.place(host->word_of, trie_nodes);
    w.token_word = token_words > 0 ? arena.place(host->token_word, token_words) : nullptr;
    tables->storage = arena.take();
    *out = tables.release();
  });
}

int ctc4jcu_decode_tables_release(int device, void* tables) {
  return guarded([&] {
    std::unique_ptr<DeviceTables> owned(static_cast<DeviceTables*>(tables));
    CTC4J_CUDA_CHECK(cudaSetDevice(device));
    owned.reset();
  });
}

int ctc4jcu_beam_search(const BeamSearchConfig* config, const void* words, const void* lm, int device,
                        const float* emissions, const int64_t* lengths, int batch, int64_t max_frames,
                        int32_t* hyp_count, float* scores, int32_t* hyp_lengths, int32_t* tokens) {
  return guarded([&] {
    if (batch == 0) return;
    CTC4J_CUDA_CHECK(cudaSetDevice(device));
    const BeamSearchConfig& c = *config;
    const size_t shared = shared_bytes(c.beam), shared_allowed = shared_limit(device);
    require(shared <= shared_allowed, "the GPU beam search with beam " + std::to_string(c.beam) + " needs " +
                                          std::to_string(shared) + " bytes of shared memory per block; this device " +
                                          "allows " + std::to_string(shared_allowed) + ": lower the beam");
    const ScratchLayout layout(c);
    const size_t budget = scratch_budget();
    std::vector<size_t> bytes(batch);
    for (int b = 0; b < batch; ++b) {
      bytes[b] = layout.bytes(c, lengths[b], max_frames);
      require(bytes[b] <= budget, "the GPU beam search of utterance " + std::to_string(b) + " (beam " +
                                      std::to_string(c.beam) + ", " + std::to_string(c.classes) + " classes, top_k " +
                                      std::to_string(c.top_k) + ", " + std::to_string(lengths[b]) + " frames) needs " +
                                      std::to_string(bytes[b]) + " bytes of device memory, more than the " +
                                      std::to_string(budget) + " it may use; lower the beam or top_k");
    }
    Search s{};
    s.c = c;
    s.words = static_cast<const DeviceTables*>(words)->words;
    s.has_lm = lm != nullptr;
    if (s.has_lm) s.lm = static_cast<const DeviceTables*>(lm)->lm;
    s.lm.oov_log10 = c.oov_log10;
    s.emissions = emissions;
    s.max_frames = max_frames;
    s.candidate_stride = layout.candidate_stride;
    s.key_stride = layout.key_stride;
    s.table_capacity = table_capacity(c.beam);
    const HostResults out{hyp_count, scores, hyp_lengths, tokens};
    for (int first = 0, end = 0; first < batch; first = end) {
      size_t chunk = 0;
      for (; end < batch && (end == first || chunk + bytes[end] <= budget); ++end) chunk += bytes[end];
      run_chunk(s, layout, lengths, first, end - first, shared, out);
    }
  });
}

int ctc4jcu_gather_columns(int device, const float* emissions, int64_t max_frames, int classes,
                           const ColumnGather* parts, int n_parts, const int32_t* class_list, int64_t n_classes,
                           float* out, int64_t out_count) {
  return guarded([&] {
    if (out_count == 0) return;
    CTC4J_CUDA_CHECK(cudaSetDevice(device));
    int64_t largest = 0;
    for (int i = 0; i < n_parts; ++i) largest = std::max(largest, parts[i].frames * parts[i].columns);
    const DeviceBuffer<ColumnGather> d_parts(parts, n_parts);
    const DeviceBuffer<int32_t> d_classes(class_list, n_classes);
    const DeviceBuffer<float> d_out(out_count);
    const unsigned blocks = static_cast<unsigned>(std::min<int64_t>((largest + kThreads - 1) / kThreads, 1024));
    launch_rows(n_parts, [&](unsigned rows, int64_t first) {
      gather_columns_kernel<<<dim3(blocks, rows), kThreads, 0, cudaStreamPerThread>>>(
          emissions, max_frames, classes, d_parts.get(), d_classes.get(), d_out.get(), first);
    });
    d_out.copy_to(out, out_count);
    CTC4J_CUDA_CHECK(cudaStreamSynchronize(cudaStreamPerThread));
  });
}

}  // extern "C"
