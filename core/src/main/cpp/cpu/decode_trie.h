// Token tries for the beam search: the lexicon (words spelled in tokens, each node knowing the LM
// word it completes) and the hotword phrases (each node knowing the bonus of a partial match).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/prefix_search.h"

namespace ctc4j {

// A trie over token ids, built by insertion then frozen into sorted edge arrays.
class TokenTrie {
 public:
  static constexpr int32_t kRoot = kTrieRoot, kNone = kTrieNone;

  TokenTrie() : building_(1) {}

  // Adds a token sequence; returns its end node.
  int32_t insert(const std::vector<int32_t>& tokens) {
    int32_t node = kRoot;
    for (int32_t t : tokens) {
      auto [it, added] = building_[node].emplace(t, static_cast<int32_t>(building_.size()));
      if (added) building_.emplace_back();
      node = it->second;
    }
    return node;
  }

  void freeze() {
    first_.assign(building_.size() + 1, 0);
    for (size_t n = 0; n < building_.size(); ++n) {
      first_[n + 1] = first_[n] + static_cast<int32_t>(building_[n].size());
      for (auto [token, child] : building_[n]) edges_.push_back({token, child});
    }
    parent_.assign(building_.size(), kNone);
    token_.assign(building_.size(), kNone);
    for (size_t n = 0; n < building_.size(); ++n) {
      for (auto [token, child] : building_[n]) parent_[child] = static_cast<int32_t>(n), token_[child] = token;
    }
    building_.clear();
    building_.shrink_to_fit();
  }

  int32_t size() const { return static_cast<int32_t>(parent_.size()); }
  int32_t parent(int32_t node) const { return parent_[node]; }
  int32_t token(int32_t node) const { return token_[node]; }

  int32_t child(int32_t node, int32_t token) const { return trie_child(view(), node, token); }

  TrieView view() const { return TrieView{first_.data(), edges_.data()}; }
  int32_t edge_count() const { return static_cast<int32_t>(edges_.size()); }

 private:
  std::vector<std::map<int32_t, int32_t>> building_;
  std::vector<int32_t> first_, parent_, token_;
  std::vector<TrieEdge> edges_;
};

// Splits text into label ids by greedy longest match; false when some part matches no label.
inline bool spell(const std::string& text, const std::vector<std::string>& labels, const std::vector<bool>& usable,
                  std::vector<int32_t>& tokens) {
  tokens.clear();
  for (size_t at = 0; at < text.size();) {
    int32_t best = -1;
    size_t best_length = 0;
    for (size_t c = 0; c < labels.size(); ++c) {
      const std::string& l = labels[c];
      if (usable[c] && l.size() > best_length && text.compare(at, l.size(), l) == 0) {
        best = static_cast<int32_t>(c), best_length = l.size();
      }
    }
    if (best < 0) return false;
    tokens.push_back(best);
    at += best_length;
  }
  return !tokens.empty();
}

}  // namespace ctc4j
