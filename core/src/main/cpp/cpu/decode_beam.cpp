// CTC prefix beam search on the CPU, one utterance per thread. Prefixes form a tree (each node is
// its parent plus one token) holding what depends only on the text: the lexicon position of the
// partial word, the language-model score of the completed words, the hotword match. Per frame,
// every beam prefix proposes itself (blank, repeat) and its extensions by the candidate tokens;
// proposals of the same prefix merge by (parent, token), and the best `beam` survive.
#include "cpu/decode_beam.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "common/decode_math.h"
#include "support/error.h"
#include "support/parallel.h"

using namespace ctc4j;

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

}  // namespace

namespace ctc4j::cpu {

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

void beam_decode(const ctc4j_beam_decoder& d, const EmissionsView& e, const SearchSettings& settings,
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

}  // namespace ctc4j::cpu
