// The beam decoder's configuration: the lexicon (or LM vocabulary) spelled in tokens as a trie, the
// hotword phrases as a second trie with the bonus of each partial match.
#include "handles/beam_decoder.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "cuda_bridge/exports/decode.h"
#include "cuda_bridge/loader.h"
#include "support/error.h"

using namespace ctc4j;

const void* ctc4j_beam_decoder::words_on_device(int device) const {
  return device_words.on(device, [&](int d) {
    void* copy = nullptr;
    const WordModel model = word_model();
    CTC4J_CUDA_CALL(ctc4jcu_words_upload, &model, words.size(), words.edge_count(), classes, d, &copy);
    return copy;
  });
}

namespace {

std::vector<std::string> split_strings(const char* packed, int count) {
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) {
    out.emplace_back(packed);
    packed += out.back().size() + 1;
  }
  return out;
}

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

}  // namespace

namespace ctc4j::beam_decoder {

std::unique_ptr<ctc4j_beam_decoder> create(const char* labels, int classes, int blank, int space, const ctc4j_lm* lm,
                                           int lm_unit, float alpha, float beta, float oov_log10, const char* lexicon,
                                           int n_lexicon, const char* hotwords, const float* hotword_bonus,
                                           int n_hotwords) {
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
  return d;
}

}  // namespace ctc4j::beam_decoder
