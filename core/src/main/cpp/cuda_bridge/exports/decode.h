// libctc4j_cuda's decoding entry points (see include/ctc4j/decode.h for the semantics).
#pragma once
#include <stdint.h>

#include "common/decode_math.h"
#include "common/ngram.h"
#include "common/prefix_search.h"
#include "ctc4j/core.h"

namespace ctc4j {

// The widest GPU beam: the beam lives in shared memory (about 60 bytes per entry).
constexpr int kMaxGpuBeam = 2048;

// One utterance's part of a column gather: `columns` classes from column_offset in the class
// list, over its first `frames` frames, written as [frames, columns] at out_offset.
struct ColumnGather {
  int32_t utterance, columns;
  int64_t frames, column_offset, out_offset;
};

// The settings of one batched GPU prefix beam search (the frame-independent part).
struct BeamSearchConfig {
  int classes, blank;
  bool log_probs;
  float alpha, beta, oov_log10;
  int beam, top_k;  // top_k <= 0: every token
  float token_min_log_prob, blank_skip_log_prob;
  int n_best;
};

}  // namespace ctc4j

extern "C" {
// The first value among the valid frames of emissions (on `device`; lengths a host array) that
// valid_emission refuses, as its index (b * max_frames + t) * classes + c and value; *index = -1
// when there is none.
CTC4J_API int ctc4jcu_find_invalid_emission(int device, const float* emissions, const int64_t* lengths, int batch,
                                            int64_t max_frames, int classes, int log_probs, int64_t* index,
                                            float* value);

// Per frame of each utterance, the most probable class and its value, written to host arrays
// [batch, max_frames]; emissions live on `device`, lengths is a host array.
CTC4J_API int ctc4jcu_argmax_frames(int device, const float* emissions, const int64_t* lengths, int batch,
                                    int64_t max_frames, int classes, int32_t* best, float* value);

// Device copies of a decoder's immutable tables, each in one allocation, released with
// ctc4jcu_decode_tables_release: an n-gram table (its sizes are in the view), and a word model
// whose trie has trie_nodes nodes and trie_edges edges (token_word, when set, has `classes` values).
CTC4J_API int ctc4jcu_lm_upload(const ctc4j::NgramTableView* host, int device, void** out);
CTC4J_API int ctc4jcu_words_upload(const ctc4j::WordModel* host, int trie_nodes, int trie_edges, int classes,
                                   int device, void** out);
CTC4J_API int ctc4jcu_decode_tables_release(int device, void* tables);

// Batched prefix beam search over emissions on `device` (lengths a host array); words from
// ctc4jcu_words_upload, lm from ctc4jcu_lm_upload or null. Writes host arrays: hyp_count [batch],
// scores [batch, n_best, 3], hyp_lengths [batch, n_best], tokens [batch, n_best, max_frames].
CTC4J_API int ctc4jcu_beam_search(const ctc4j::BeamSearchConfig* config, const void* words, const void* lm,
                                  int device, const float* emissions, const int64_t* lengths, int batch,
                                  int64_t max_frames, int32_t* hyp_count, float* scores, int32_t* hyp_lengths,
                                  int32_t* tokens);

// Copies, per part, emissions[utterance, 0..frames, class_list[column_offset ..]] (emissions
// [batch, max_frames, classes] on `device`) into the host array out [out_count] at out_offset.
CTC4J_API int ctc4jcu_gather_columns(int device, const float* emissions, int64_t max_frames, int classes,
                                     const ctc4j::ColumnGather* parts, int n_parts, const int32_t* class_list,
                                     int64_t n_classes, float* out, int64_t out_count);
}
