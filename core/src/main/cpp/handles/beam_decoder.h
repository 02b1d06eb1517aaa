// The object behind ctc4j_beam_decoder (see include/ctc4j/decode.h): an immutable beam-search
// configuration (labels, LM reference, lexicon trie, hotword trie), shareable across threads.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/ngram.h"
#include "common/prefix_search.h"
#include "cpu/decode_trie.h"
#include "ctc4j/decode.h"
#include "cuda_bridge/device_copies.h"
#include "handles/lm.h"

struct ctc4j_beam_decoder {
  int classes = 0, blank = 0, space = -1;
  const ctc4j_lm* lm = nullptr;
  ctc4j::NgramTableView lm_view{};
  int lm_unit = CTC4J_LM_WORD;
  float alpha = 0, beta = 0;
  std::vector<std::string> labels;
  ctc4j::TokenTrie words;                  // the lexicon, or the LM vocabulary, spelled in tokens
  std::vector<int32_t> word_of;     // per words node: the LM word it completes, -1 unknown, kNotWord
  bool lexicon = false;
  std::vector<int32_t> token_word;  // CTC4J_LM_CHAR: the LM word of each token
  ctc4j::TokenTrie hot;                    // hotword phrases
  std::vector<float> hot_end;       // per hot node: the bonus of the phrase ending there (0: none)
  std::vector<float> hot_partial;   // per hot node: the bonus a match reaching it carries

  bool word_lm() const { return lm != nullptr && lm_unit == CTC4J_LM_WORD; }

  ctc4j::WordModel word_model() const {
    return ctc4j::WordModel{words.view(), word_of.data(), token_word.empty() ? nullptr : token_word.data(), space, lexicon};
  }
  const ctc4j::NgramTableView* lm_table() const { return lm != nullptr ? &lm_view : nullptr; }

  mutable ctc4j::DeviceCopies device_words{"ctc4jcu_decode_tables_release"};  // word_model() on CUDA devices

  // The handle of word_model()'s copy on a CUDA device (for ctc4jcu_beam_search).
  const void* words_on_device(int device) const;
};

namespace ctc4j::beam_decoder {

// Validates the configuration and builds the tries; see ctc4j_beam_decoder_create.
std::unique_ptr<ctc4j_beam_decoder> create(const char* labels, int classes, int blank, int space, const ctc4j_lm* lm,
                                           int lm_unit, float alpha, float beta, float oov_log10, const char* lexicon,
                                           int n_lexicon, const char* hotwords, const float* hotword_bonus,
                                           int n_hotwords);

}  // namespace ctc4j::beam_decoder
