// The per-prefix logic of CTC prefix beam search shared by the CPU and CUDA decoders: a prefix is
// its parent plus one token, and knows what depends only on its text (the partial word's position
// in the word trie, the LM score of the completed words). Extending a prefix by a token and
// scoring what the utterance end completes are the same on both backends.
#pragma once
#include <stdint.h>

#include "common/decode_math.h"
#include "common/hd.h"
#include "common/ngram.h"

namespace ctc4j {

constexpr int32_t kTrieRoot = 0, kTrieNone = -1;
constexpr int32_t kNotWord = -2;  // a trie node or prefix that completes no word (-1: an unknown word)

struct TrieEdge {
  int32_t token, child;
};

// A frozen token trie: node n's edges are edges[first[n] .. first[n+1]), sorted by token.
struct TrieView {
  const int32_t* first = nullptr;
  const TrieEdge* edges = nullptr;
};

CTC4J_HD int32_t trie_child(const TrieView& trie, int32_t node, int32_t token) {
  if (node == kTrieNone) return kTrieNone;
  int32_t lo = trie.first[node], hi = trie.first[node + 1];
  const int32_t end = hi;
  while (lo < hi) {
    const int32_t mid = (lo + hi) / 2;
    if (trie.edges[mid].token < token) lo = mid + 1;
    else hi = mid;
  }
  return lo < end && trie.edges[lo].token == token ? trie.edges[lo].child : kTrieNone;
}

// How tokens become LM words: the word trie (the lexicon, or the LM vocabulary spelled in tokens),
// the LM word each trie node completes (-1 unknown, kNotWord none) and, in character-LM mode, the
// LM word of every token (null otherwise).
struct WordModel {
  TrieView words;
  const int32_t* word_of = nullptr;
  const int32_t* token_word = nullptr;
  int32_t space = -1;
  bool lexicon = false;
};

// What a prefix knows about its text.
struct Prefix {
  int32_t parent, token;
  int32_t word_node;    // position of the partial word in the word trie (kTrieNone: off the trie)
  int32_t word_tokens;  // tokens in the partial word (0 at a word start)
  int32_t lm_word;      // the word this prefix's last token completed (kNotWord: none)
  int32_t history;      // the nearest strict ancestor that completed a word (-1: none)
  int32_t hot;          // hotword match position (kTrieRoot: none; CPU only)
  int32_t words;        // words scored
  float lm_ln;          // ln P_lm of the completed words
  float bonus;          // committed hotword bonus (CPU only)
};

CTC4J_HD Prefix root_prefix() { return Prefix{-1, -1, kTrieRoot, 0, kNotWord, -1, kTrieRoot, 0, 0.0f, 0.0f}; }

// log10 P(word | the words completed up to node `node`, then `newest` unless kNotWord), oldest
// first, from <s> when the history reaches the utterance start.
CTC4J_HD float history_log10_prob(const NgramTableView& lm, const Prefix* nodes, int32_t node, int32_t newest,
                                  int32_t word) {
  int32_t history[kMaxNgramOrder];
  const int wanted = lm.order - 1;
  int n = 0;
  if (newest != kNotWord && n < wanted) history[kMaxNgramOrder - 1 - n++] = newest;
  for (; node >= 0 && n < wanted; node = nodes[node].history) history[kMaxNgramOrder - 1 - n++] = nodes[node].lm_word;
  if (node < 0 && n < wanted && lm.bos >= 0) history[kMaxNgramOrder - 1 - n++] = lm.bos;
  return ngram_log10_prob(lm, history + kMaxNgramOrder - n, n, word);
}

// Sets q to the prefix nodes[parent] + token, its LM score included (lm may be null); false when
// the lexicon forbids it. Hotwords are the caller's.
CTC4J_HD bool extend_prefix(const WordModel& m, const NgramTableView* lm, const Prefix* nodes, int32_t parent,
                            int32_t token, Prefix& q) {
  const Prefix& p = nodes[parent];
  q = p;
  q.parent = parent;
  q.token = token;
  q.lm_word = kNotWord;
  q.history = p.lm_word != kNotWord ? parent : p.history;
  int32_t completed = kNotWord;
  if (token == m.space) {
    if (p.word_tokens > 0) {
      completed = p.word_node == kTrieNone ? kNotWord : m.word_of[p.word_node];
      if (completed == kNotWord && m.lexicon) return false;
      if (completed == kNotWord) completed = -1;
    }
    q.word_node = kTrieRoot;
    q.word_tokens = 0;
  } else {
    q.word_node = trie_child(m.words, p.word_tokens == 0 ? kTrieRoot : p.word_node, token);
    if (q.word_node == kTrieNone && m.lexicon) return false;
    ++q.word_tokens;
  }
  if (m.token_word != nullptr) completed = m.token_word[token];
  if (completed != kNotWord) {
    if (lm != nullptr) q.lm_ln += kLn10 * history_log10_prob(*lm, nodes, q.history, kNotWord, completed);
    q.lm_word = completed;
    ++q.words;
  }
  return true;
}

// Scores what the utterance end completes in q (the prefix nodes[self]): the partial word under a
// word LM, then </s>. False when the lexicon rejects the partial word.
CTC4J_HD bool finish_prefix(const WordModel& m, const NgramTableView* lm, const Prefix* nodes, int32_t self,
                            Prefix& q) {
  const int32_t history = q.lm_word != kNotWord ? self : q.history;
  int32_t newest = kNotWord;
  if (q.word_tokens > 0) {
    const int32_t word = q.word_node == kTrieNone ? kNotWord : m.word_of[q.word_node];
    if (word == kNotWord && m.lexicon) return false;
    if (lm != nullptr && m.token_word == nullptr) {  // a word LM
      newest = word == kNotWord ? -1 : word;
      q.lm_ln += kLn10 * history_log10_prob(*lm, nodes, history, kNotWord, newest);
      ++q.words;
    }
  }
  if (lm != nullptr && lm->eos >= 0) q.lm_ln += kLn10 * history_log10_prob(*lm, nodes, history, newest, lm->eos);
  return true;
}

}  // namespace ctc4j
