// CTC prefix beam search on the CPU, one utterance per thread. Prefixes form a tree (each node is
// its parent plus one token) holding what depends only on the text: the lexicon position of the
// partial word, the language-model score of the completed words, the hotword match. Per frame,
// every beam prefix proposes itself (blank, repeat) and its extensions by the candidate tokens;
// proposals of the same prefix merge by (parent, token), and the best `beam` survive.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "common/decode_math.h"
#include "cpu/cuda_backend.h"
#include "cpu/decode_output.h"
#include "cpu/decode_trie.h"
#include "cpu/error.h"
#include "cpu/lm.h"
#include "cpu/parallel.h"
#include "ctc4j/decode.h"
#include "cuda_api/decode.h"
#include "cuda_api/runtime.h"

using namespace ctc4j;

namespace {

std::vector<std::string> split_strings(const char* packed, int count) {
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) {
    out.emplace_back(packed);
    packed += out.back().size() + 1;
  }
  return out;
}

}  // namespace

struct ctc4j_beam_decoder {
  int classes = 0, blank = 0, space = -1;
  const ctc4j_lm* lm = nullptr;
  NgramTableView lm_view{};
  int lm_unit = CTC4J_LM_WORD;
  float alpha = 0, beta = 0;
  std::vector<std::string> labels;
  TokenTrie words;                  // the lexicon, or the LM vocabulary, spelled in tokens
  std::vector<int32_t> word_of;     // per words node: the LM word it completes, -1 unknown, kNotWord
  bool lexicon = false;
  std::vector<int32_t> token_word;  // CTC4J_LM_CHAR: the LM word of each token
  TokenTrie hot;                    // hotword phrases
  std::vector<float> hot_end;       // per hot node: the bonus of the phrase ending there (0: none)
  std::vector<float> hot_partial;   // per hot node: the bonus a match reaching it carries

  bool word_lm() const { return lm != nullptr && lm_unit == CTC4J_LM_WORD; }

  WordModel word_model() const {
    return WordModel{words.view(), word_of.data(), token_word.empty() ? nullptr : token_word.data(), space, lexicon};
  }
  const NgramTableView* lm_table() const { return lm != nullptr ? &lm_view : nullptr; }

  mutable DeviceCopies device_words;  // word_model() on CUDA devices, uploaded once each

  const void* words_on_device(int device) const {
    return device_words.on(device, [&](int d) {
      void* copy = nullptr;
      const WordModel model = word_model();
      CTC4J_CUDA_CALL(ctc4jcu_words_upload, &model, words.size(), words.edge_count(), classes, d, &copy);
      return copy;
    });
  }
};

namespace {

constexpr int32_t kNewNode = -1, kForbidden = -2;

struct Candidate {
  int32_t node;  // an existing prefix node, kNewNode until it survives, or kForbidden by the lexicon
  Prefix prefix;
  float p_blank, p_token;  // ln P of the prefix's alignments ending in blank / in its last token
  float score;
};

uint64_t child_key(int32_t parent, int32_t token) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(parent)) << 32) | static_cast<uint32_t>(token);
}

// Open addressing from (parent, token) keys to indices; clear() is O(1) (entries carry a generation).
class ChildIndex {
 public:
  void clear() { ++generation_, size_ = 0; }

  // The index stored for key, or stores `value` and returns -1.
  int32_t find_or_insert(uint64_t key, int32_t value) {
    if (2 * (size_ + 1) > keys_.size()) grow();
    for (size_t i = slot(key);; i = (i + 1) & (keys_.size() - 1)) {
      if (generation_of_[i] != generation_) {
        generation_of_[i] = generation_, keys_[i] = key, values_[i] = value, ++size_;
        return -1;
      }
      if (keys_[i] == key) return values_[i];
    }
  }

  int32_t find(uint64_t key) const {
    if (keys_.empty()) return -1;
    for (size_t i = slot(key);; i = (i + 1) & (keys_.size() - 1)) {
      if (generation_of_[i] != generation_) return -1;
      if (keys_[i] == key) return values_[i];
    }
  }

 private:
  size_t slot(uint64_t key) const { return (key * 0x9E3779B97F4A7C15ull) >> 40 & (keys_.size() - 1); }

  void grow() {
    std::vector<uint64_t> keys;
    std::vector<int32_t> values;
    for (size_t i = 0; i < keys_.size(); ++i) {
      if (generation_of_[i] == generation_) keys.push_back(keys_[i]), values.push_back(values_[i]);
    }
    const size_t capacity = std::max<size_t>(64, 4 * keys.size() + 4);
    size_t pow2 = 64;
    while (pow2 < capacity) pow2 *= 2;
    keys_.assign(pow2, 0);
    values_.assign(pow2, 0);
    generation_of_.assign(pow2, 0);
    generation_ = 1, size_ = 0;
    for (size_t i = 0; i < keys.size(); ++i) find_or_insert(keys[i], values[i]);
  }

  std::vector<uint64_t> keys_;
  std::vector<int32_t> values_;
  std::vector<uint32_t> generation_of_;
  uint32_t generation_ = 1;
  size_t size_ = 0;
};

struct SearchSettings {
  int beam, top_k, n_best;
  float token_min_log_prob, blank_skip_log_prob;
};

class PrefixSearch {
 public:
  PrefixSearch(const ctc4j_beam_decoder& d, const SearchSettings& s) : d_(d), s_(s), words_(d.word_model()) {}

  // The n-best hypotheses of one utterance (log-probabilities [frames, classes]), best first.
  std::vector<ScoredTokens> run(const float* lp, int64_t frames) {
    nodes_.assign(1, root_prefix());
    node_of_.clear();
    beam_.assign(1, Candidate{0, nodes_[0], 0.0f, kLnZero, 0.0f});
    for (int64_t t = 0; t < frames; ++t) step(lp + t * d_.classes);
    return finish();
  }

 private:
  void step(const float* row) {
    candidates_.clear();
    candidate_of_.clear();
    tokens_for(row);
    for (const Candidate& c : beam_) {  // the prefix itself: a blank, or its last token repeated
      const Prefix& p = nodes_[c.node];
      const float repeat = c.node == 0 ? kLnZero : c.p_token + row[p.token];
      candidate_of_.find_or_insert(child_key(p.parent, p.token), static_cast<int32_t>(candidates_.size()));
      candidates_.push_back(
          Candidate{c.node, p, log_add_exp(c.p_blank, c.p_token) + row[d_.blank], repeat, 0.0f});
    }
    for (size_t b = 0, n = beam_.size(); b < n; ++b) {
      const Candidate c = beam_[b];
      const float either = log_add_exp(c.p_blank, c.p_token);
      for (int32_t token : tokens_) {
        const float mass = (token == nodes_[c.node].token ? c.p_blank : either) + row[token];
        if (mass == kLnZero) continue;
        const uint64_t key = child_key(c.node, token);
        const int32_t at = candidate_of_.find_or_insert(key, static_cast<int32_t>(candidates_.size()));
        if (at >= 0) {
          candidates_[at].p_token = log_add_exp(candidates_[at].p_token, mass);
          continue;
        }
        // A prefix keeps one node for good (it may have left the beam and come back).
        const int32_t node = node_of_.find(key);
        Candidate next{node >= 0 ? node : kNewNode, node >= 0 ? nodes_[node] : Prefix{}, kLnZero, mass, 0.0f};
        if (node < 0 && !extend(c.node, token, next.prefix)) next.node = kForbidden;
        candidates_.push_back(next);
      }
    }
    select();
  }

  // The non-blank tokens worth extending by at this frame (none on a skipped blank frame).
  void tokens_for(const float* row) {
    tokens_.clear();
    if (row[d_.blank] > s_.blank_skip_log_prob) return;
    for (int32_t c = 0; c < d_.classes; ++c) {
      if (c != d_.blank && row[c] >= s_.token_min_log_prob && row[c] != kLnZero) tokens_.push_back(c);
    }
    if (s_.top_k > 0 && tokens_.size() > static_cast<size_t>(s_.top_k)) {
      std::nth_element(tokens_.begin(), tokens_.begin() + s_.top_k, tokens_.end(),
                       [&](int32_t a, int32_t b) { return row[a] > row[b]; });
      tokens_.resize(s_.top_k);
    }
  }

  float score(const Candidate& c) const {
    return combined_score(log_add_exp(c.p_blank, c.p_token), c.prefix.lm_ln, c.prefix.words, d_.alpha, d_.beta,
                          c.prefix.bonus + (d_.hot_partial.empty() ? 0.0f : d_.hot_partial[c.prefix.hot]));
  }

  void select() {
    order_.clear();
    for (size_t i = 0; i < candidates_.size(); ++i) {
      if (candidates_[i].node == kForbidden) continue;
      candidates_[i].score = score(candidates_[i]);
      if (candidates_[i].score != kLnZero) order_.push_back(static_cast<int32_t>(i));
    }
    auto better = [&](int32_t a, int32_t b) { return candidates_[a].score > candidates_[b].score; };
    if (order_.size() > static_cast<size_t>(s_.beam)) {
      std::nth_element(order_.begin(), order_.begin() + s_.beam, order_.end(), better);
      order_.resize(s_.beam);
    }
    beam_.clear();
    for (int32_t i : order_) {
      Candidate c = candidates_[i];
      if (c.node == kNewNode) {
        c.node = static_cast<int32_t>(nodes_.size());
        nodes_.push_back(c.prefix);
        node_of_.find_or_insert(child_key(c.prefix.parent, c.prefix.token), c.node);
      }
      beam_.push_back(c);
    }
  }

  // The prefix `parent` + token; false when the lexicon forbids it.
  bool extend(int32_t parent, int32_t token, Prefix& q) const {
    if (!extend_prefix(words_, d_.lm_table(), nodes_.data(), parent, token, q)) return false;
    step_hotwords(nodes_[parent], token, q);
    return true;
  }

  void step_hotwords(const Prefix& p, int32_t token, Prefix& q) const {
    if (d_.hot_end.empty()) return;
    const int32_t h = p.hot;
    if (h != TokenTrie::kRoot) {
      if (token == d_.space) q.bonus += d_.hot_end[h];  // a phrase completed at a word boundary
      const int32_t next = d_.hot.child(h, token);
      q.hot = next != TokenTrie::kNone ? next : rematch(h, token);
    } else {
      const int32_t next = p.word_tokens == 0 && token != d_.space ? d_.hot.child(h, token) : TokenTrie::kNone;
      q.hot = next != TokenTrie::kNone ? next : TokenTrie::kRoot;
    }
  }

  // After a broken match, the longest later match that starts at a word inside it.
  int32_t rematch(int32_t h, int32_t token) const {
    std::vector<int32_t> text{token};
    for (int32_t n = h; n != TokenTrie::kRoot; n = d_.hot.parent(n)) text.push_back(d_.hot.token(n));
    std::reverse(text.begin(), text.end());
    for (size_t start = 1; start < text.size(); ++start) {
      if (text[start - 1] != d_.space) continue;
      int32_t n = TokenTrie::kRoot;
      for (size_t i = start; i < text.size() && n != TokenTrie::kNone; ++i) n = d_.hot.child(n, text[i]);
      if (n != TokenTrie::kNone) return n;
    }
    return TokenTrie::kRoot;
  }

  // Scores the partial word and the sentence end, keeps completed hotwords, ranks the beam.
  std::vector<ScoredTokens> finish() {
    std::vector<std::pair<float, const Candidate*>> ranked;
    for (Candidate& c : beam_) {
      Prefix& q = c.prefix;
      if (!finish_prefix(words_, d_.lm_table(), nodes_.data(), c.node, q)) continue;
      if (q.word_tokens > 0 && q.hot != TokenTrie::kRoot) q.bonus += d_.hot_end[q.hot];
      c.score = combined_score(log_add_exp(c.p_blank, c.p_token), q.lm_ln, q.words, d_.alpha, d_.beta, q.bonus);
      if (c.score != kLnZero) ranked.emplace_back(c.score, &c);
    }
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<ScoredTokens> out;
    for (size_t i = 0; i < ranked.size() && i < static_cast<size_t>(s_.n_best); ++i) {
      const Candidate& c = *ranked[i].second;
      ScoredTokens h{c.score, log_add_exp(c.p_blank, c.p_token), c.prefix.lm_ln, {}};
      for (int32_t n = c.node; n > 0; n = nodes_[n].parent) h.tokens.push_back(nodes_[n].token);
      std::reverse(h.tokens.begin(), h.tokens.end());
      out.push_back(std::move(h));
    }
    return out;
  }

  const ctc4j_beam_decoder& d_;
  const SearchSettings s_;
  const WordModel words_;
  std::vector<Prefix> nodes_;
  std::vector<Candidate> beam_, candidates_;
  std::vector<int32_t> tokens_, order_;
  ChildIndex candidate_of_;  // this frame's candidates by (parent, token)
  ChildIndex node_of_;       // every node by (parent, token)
};

void build_words(ctc4j_beam_decoder& d, const std::vector<std::string>& lexicon) {
  std::vector<bool> usable(d.classes, true);
  usable[d.blank] = false;
  if (d.space >= 0) usable[d.space] = false;
  std::vector<std::string> vocabulary = lexicon;
  if (vocabulary.empty() && d.word_lm()) {
    for (int id = 0; id < d.lm->view.vocab_size; ++id) vocabulary.emplace_back(d.lm->word(id));
  }
  std::vector<std::pair<int32_t, int32_t>> ends;  // (trie node, LM word)
  std::vector<int32_t> spelled;
  for (const std::string& w : vocabulary) {
    if (!spell(w, d.labels, usable, spelled)) {
      if (d.lexicon) throw Error(CTC4J_INVALID_ARGUMENT, "lexicon word '" + w + "' cannot be spelled with the labels");
      continue;  // an LM word outside the labels' alphabet
    }
    ends.emplace_back(d.words.insert(spelled), d.word_lm() ? d.lm->word_id(w) : -1);
  }
  d.words.freeze();
  d.word_of.assign(d.words.size(), kNotWord);
  for (auto [node, word] : ends) d.word_of[node] = word;
}

void build_hotwords(ctc4j_beam_decoder& d, const std::vector<std::string>& phrases, const float* bonus) {
  if (phrases.empty()) return;
  std::vector<bool> usable(d.classes, true);
  usable[d.blank] = false;
  std::vector<std::pair<int32_t, float>> ends;
  std::vector<int32_t> spelled;
  for (size_t i = 0; i < phrases.size(); ++i) {
    require(std::isfinite(bonus[i]) && bonus[i] >= 0, "hotword '" + phrases[i] + "' has bonus " + std::to_string(bonus[i]));
    require(spell(phrases[i], d.labels, usable, spelled),
            "hotword '" + phrases[i] + "' cannot be spelled with the labels");
    require(spelled.front() != d.space && spelled.back() != d.space,
            "hotword '" + phrases[i] + "' starts or ends with the word separator");
    ends.emplace_back(d.hot.insert(spelled), bonus[i]);
  }
  d.hot.freeze();
  d.hot_end.assign(d.hot.size(), 0.0f);
  d.hot_partial.assign(d.hot.size(), 0.0f);
  std::vector<int32_t> depth(d.hot.size(), 0);
  for (int32_t n = 1; n < d.hot.size(); ++n) depth[n] = depth[d.hot.parent(n)] + 1;  // parents precede children
  for (auto [end, b] : ends) {
    d.hot_end[end] = std::max(d.hot_end[end], b);
    for (int32_t n = end; n != TokenTrie::kRoot; n = d.hot.parent(n)) {
      d.hot_partial[n] = std::max(d.hot_partial[n], b * depth[n] / depth[end]);
    }
  }
}

// The n-best hypotheses of one utterance, with token frames and confidences from their best
// alignments, written as rank 0.. of utterance b. lp is [frames, width]: every class, or when
// `columns` is set, the classes it lists (ascending, blank among them) in that order.
void write_hypotheses(const ctc4j_beam_decoder& d, const float* lp, int64_t frames,
                      const std::vector<int32_t>* columns, int b, const std::vector<ScoredTokens>& found,
                      const OutputView& o) {
  const int width = columns != nullptr ? static_cast<int>(columns->size()) : d.classes;
  auto column = [&](int32_t c) {
    return columns != nullptr ? static_cast<int32_t>(std::lower_bound(columns->begin(), columns->end(), c) -
                                                     columns->begin())
                              : c;
  };
  FramePath path;
  std::vector<int32_t> spelled;  // the tokens as columns of lp
  for (size_t r = 0; r < found.size(); ++r) {
    if (!found[r].tokens.empty()) {
      spelled.clear();
      for (int32_t t : found[r].tokens) spelled.push_back(column(t));
      viterbi_path(lp, frames, width, column(d.blank), spelled, path);
      if (columns != nullptr) {
        for (int32_t& c : path.classes) c = (*columns)[c];
      }
    }
    write_hypothesis(o, b, static_cast<int>(r), found[r], path, d.blank);
  }
}

void cpu_beam_decode(const ctc4j_beam_decoder& d, const EmissionsView& e, const SearchSettings& settings,
                     const OutputView& o, int32_t* hyp_count) {
  parallel_for(e.batch, [&](int64_t b) {
    std::vector<float> scratch;
    const float* lp = utterance_log_probs(e, static_cast<int>(b), scratch);
    PrefixSearch search(d, settings);
    const std::vector<ScoredTokens> found = search.run(lp, e.lengths[b]);
    hyp_count[b] = static_cast<int32_t>(found.size());
    write_hypotheses(d, lp, e.lengths[b], nullptr, static_cast<int>(b), found, o);
  });
}

// The hypotheses the GPU search wrote for utterance b.
std::vector<ScoredTokens> gpu_hypotheses(const OutputView& o, int64_t b, int32_t count) {
  std::vector<ScoredTokens> found(count);
  for (int r = 0; r < count; ++r) {
    const int64_t slot = b * o.n_best + r;
    const int32_t* t = o.tokens + slot * o.max_frames;
    found[r] = ScoredTokens{o.scores[3 * slot], o.scores[3 * slot + 1], o.scores[3 * slot + 2],
                            std::vector<int32_t>(t, t + o.lengths[slot])};
  }
  return found;
}

// The classes the alignments of `found` read: their tokens and blank, ascending; none when no
// hypothesis has a token (nothing to align).
std::vector<int32_t> aligned_classes(const std::vector<ScoredTokens>& found, int blank) {
  std::vector<int32_t> classes;
  for (const ScoredTokens& h : found) classes.insert(classes.end(), h.tokens.begin(), h.tokens.end());
  if (classes.empty()) return classes;
  classes.push_back(blank);
  std::sort(classes.begin(), classes.end());
  classes.erase(std::unique(classes.begin(), classes.end()), classes.end());
  return classes;
}

// Emission values gathered to the host at once to align GPU hypotheses (256 MiB; one utterance
// may need more).
constexpr int64_t kAlignValues = int64_t{64} << 20;

// The search and the emissions check run on the device (cuda/decode_beam.cu, decode_greedy.cu).
// The host aligns the n-best: per utterance it needs only the columns of its hypotheses' classes
// and blank over its frames, which the device gathers, a chunk of utterances at a time.
void gpu_beam_decode(const ctc4j_beam_decoder& d, int device, const EmissionsView& e, const SearchSettings& settings,
                     const OutputView& o, int32_t* hyp_count) {
  require(d.hot_end.empty(), "hotword boosting is not supported by the GPU beam search; decode on the CPU");
  require(settings.beam <= kMaxGpuBeam, "the GPU beam search takes beam widths up to " +
                                            std::to_string(kMaxGpuBeam) + ", got " + std::to_string(settings.beam));
  cuda::require_device(device);
  if (e.batch == 0) return;
  check_device_emissions(e, device);
  const BeamSearchConfig config{d.classes, d.blank, e.log_probs, d.alpha, d.beta, d.lm_view.oov_log10, settings.beam,
                                settings.top_k, settings.token_min_log_prob, settings.blank_skip_log_prob,
                                settings.n_best};
  const void* lm = d.lm != nullptr ? d.lm->on_device(device) : nullptr;
  CTC4J_CUDA_CALL(ctc4jcu_beam_search, &config, d.words_on_device(device), lm, device, e.data, e.lengths, e.batch,
                  e.max_frames, hyp_count, o.scores, o.lengths, o.tokens);
  std::vector<std::vector<ScoredTokens>> found(e.batch);
  std::vector<std::vector<int32_t>> columns(e.batch);
  parallel_for(e.batch, [&](int64_t b) {
    found[b] = gpu_hypotheses(o, b, hyp_count[b]);
    columns[b] = aligned_classes(found[b], d.blank);
  });
  std::vector<int64_t> offset(e.batch);  // of utterance b's values in its chunk's gathered array
  for (int first = 0, end = 0; first < e.batch; first = end) {
    std::vector<ColumnGather> parts;
    std::vector<int32_t> class_list;
    int64_t values = 0;
    for (; end < e.batch; ++end) {
      const int width = static_cast<int>(columns[end].size());
      const int64_t n = e.lengths[end] * width;
      if (end > first && values + n > kAlignValues) break;
      offset[end] = values;
      if (n == 0) continue;
      parts.push_back(ColumnGather{end, width, e.lengths[end], static_cast<int64_t>(class_list.size()), values});
      class_list.insert(class_list.end(), columns[end].begin(), columns[end].end());
      values += n;
    }
    std::vector<float> gathered(static_cast<size_t>(values));
    CTC4J_CUDA_CALL(ctc4jcu_gather_columns, device, e.data, e.max_frames, e.classes, parts.data(),
                    static_cast<int>(parts.size()), class_list.data(), static_cast<int64_t>(class_list.size()),
                    gathered.data(), values);
    parallel_for(end - first, [&](int64_t i) {
      const int b = static_cast<int>(first + i);
      const int width = static_cast<int>(columns[b].size());
      // utterance_log_probs converts element by element, so this is its full result's columns
      // (it does not read the view's blank).
      const EmissionsView u{gathered.data() + offset[b], e.lengths + b, 1, e.lengths[b], width, e.log_probs, 0};
      std::vector<float> scratch;
      const float* lp = width > 0 ? utterance_log_probs(u, 0, scratch) : nullptr;
      write_hypotheses(d, lp, e.lengths[b], &columns[b], b, found[b], o);
    });
  }
}

}  // namespace

extern "C" {

int ctc4j_beam_decoder_create(const char* labels, int classes, int blank, int space, const ctc4j_lm* lm, int lm_unit,
                              float alpha, float beta, float oov_log10, const char* lexicon, int n_lexicon,
                              const char* hotwords, const float* hotword_bonus, int n_hotwords,
                              ctc4j_beam_decoder** out) {
  return guarded([&] {
    *out = nullptr;
    require(labels != nullptr && classes >= 2, "need labels for at least 2 classes");
    require(blank >= 0 && blank < classes, "blank index " + std::to_string(blank) + " outside the labels");
    require(space >= -1 && space < classes && space != blank, "bad word-separator index " + std::to_string(space));
    require(lm_unit == CTC4J_LM_WORD || lm_unit == CTC4J_LM_CHAR, "unknown LM unit " + std::to_string(lm_unit));
    require(std::isfinite(alpha) && std::isfinite(beta) && std::isfinite(oov_log10), "alpha, beta and oov must be finite");
    require(n_lexicon >= 0 && n_hotwords >= 0, "negative word count");
    require(lm == nullptr || lm_unit == CTC4J_LM_CHAR || space >= 0, "a word-level LM needs a word separator");
    auto d = std::make_unique<ctc4j_beam_decoder>();
    d->classes = classes, d->blank = blank, d->space = space;
    d->lm = lm, d->lm_unit = lm_unit, d->alpha = alpha, d->beta = beta;
    d->labels = split_strings(labels, classes);
    if (lm != nullptr) {
      d->lm_view = lm->view;
      d->lm_view.oov_log10 = oov_log10;
    }
    d->lexicon = n_lexicon > 0;
    build_words(*d, split_strings(lexicon, n_lexicon));
    if (lm != nullptr && lm_unit == CTC4J_LM_CHAR) {
      d->token_word.assign(classes, -1);
      for (int c = 0; c < classes; ++c) d->token_word[c] = lm->word_id(c == space ? "<space>" : d->labels[c]);
    }
    build_hotwords(*d, split_strings(hotwords, n_hotwords), hotword_bonus);
    *out = d.release();
  });
}

int ctc4j_beam_decoder_destroy(ctc4j_beam_decoder* decoder) {
  return guarded([&] { delete decoder; });
}

int ctc4j_beam_decode(const ctc4j_beam_decoder* d, int device, const float* emissions, const int64_t* lengths,
                      int batch, int64_t max_frames, int log_probs, int beam, int top_k, float token_min_log_prob,
                      float blank_skip_log_prob, int n_best, int32_t* hyp_count, float* scores, int32_t* hyp_lengths,
                      int32_t* tokens, int32_t* starts, int32_t* ends, float* confidence) {
  return guarded([&] {
    require(d != nullptr && hyp_count != nullptr, "null decoder or output");
    require(beam >= 1, "beam width must be at least 1, got " + std::to_string(beam));
    require(!std::isnan(token_min_log_prob) && !std::isnan(blank_skip_log_prob), "NaN pruning threshold");
    const EmissionsView e{emissions, lengths, batch, max_frames, d->classes, log_probs != 0, d->blank};
    const OutputView o{n_best, max_frames, scores, hyp_lengths, tokens, starts, ends, confidence};
    check_emissions(e, device == CTC4J_CPU);
    check_output(o, batch);
    const SearchSettings settings{beam, top_k, n_best, token_min_log_prob, blank_skip_log_prob};
    if (device == CTC4J_CPU) {
      cpu_beam_decode(*d, e, settings, o, hyp_count);
    } else {
      gpu_beam_decode(*d, device, e, settings, o, hyp_count);
    }
  });
}

}  // extern "C"
