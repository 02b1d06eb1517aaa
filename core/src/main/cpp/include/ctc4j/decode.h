/* CTC decoding: greedy (best path) and prefix beam search with an n-gram language model, a
 * lexicon constraint and hotword boosting, batched over utterances, on the CPU or a CUDA device.
 *
 * Emissions (a ctc4j_decode_emissions) are float32 [batch, max_frames, classes] (row-major), utterance
 * b's first lengths[b] frames valid; `log_probs` = 1 when they are log-probabilities (natural log), 0
 * for probabilities. Results (a ctc4j_decode_hypotheses) are written into caller arrays sized for
 * n_best hypotheses of at most max_frames tokens:
 *   count     [batch]                        hypotheses found per utterance (<= n_best)
 *   scores    [batch, n_best, 3]             total, acoustic (ln CTC prefix probability), LM (ln P)
 *   lengths   [batch, n_best]                tokens per hypothesis
 *   tokens, starts, ends [batch, n_best, max_frames]  token ids and first/last frame of each token
 *   confidence [batch, n_best, max_frames]   mean posterior of the token over its frames
 * Token frames come from the best single alignment (Viterbi) of the hypothesis. */
#ifndef CTC4J_DECODE_H
#define CTC4J_DECODE_H

#include "ctc4j/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- n-gram language model ------------------------------------------------------------------
 * An immutable backoff n-gram table (log10 probabilities and backoffs, as in ARPA files), keyed
 * by 64-bit hashes of word-id sequences in open-addressing tables; shareable across threads.
 * words: vocab_size NUL-terminated UTF-8 strings back to back; word id i is the i-th string.
 * ids: per order k (1..order), counts[k-1] rows of k word ids (oldest first), with log10 prob
 * and backoff arrays of counts[k-1] values (backoffs of the highest order are ignored). */
typedef struct ctc4j_lm ctc4j_lm;

CTC4J_API int ctc4j_lm_create(int order, const int64_t* counts, const char* words, int vocab_size,
                              const int32_t* const* ids, const float* const* probs, const float* const* backoffs,
                              ctc4j_lm** out);
CTC4J_API int ctc4j_lm_destroy(ctc4j_lm* lm);
/* Writes the compact form to path atomically (a temporary file, fsync, rename); `fingerprint`
 * identifies the source it was built from and is checked by ctc4j_lm_load. */
CTC4J_API int ctc4j_lm_save(const ctc4j_lm* lm, const char* path, uint64_t fingerprint);
/* Loads a file written by ctc4j_lm_save; CTC4J_UNAVAILABLE when it is absent, stale (another
 * fingerprint) or of another format version. */
CTC4J_API int ctc4j_lm_load(const char* path, uint64_t fingerprint, ctc4j_lm** out);
CTC4J_API int ctc4j_lm_info(const ctc4j_lm* lm, int* order, int* vocab_size, int64_t* native_bytes);
/* Word id of a UTF-8 word, or -1 when it is not in the vocabulary. */
CTC4J_API int ctc4j_lm_word_id(const ctc4j_lm* lm, const char* word, int* id);
/* log10 P(words[n-1] | words[0..n-2]) with backoff (context truncated to order-1 words). */
CTC4J_API int ctc4j_lm_log10_prob(const ctc4j_lm* lm, const int32_t* words, int n, float* out);

/* ---- emissions and hypotheses ----------------------------------------------------------------- */
typedef struct ctc4j_decode_emissions {
  const float* data; /* on the decoding device (host or CUDA) */
  const int64_t* lengths; /* host [batch], each in [0, max_frames] */
  int batch;
  int64_t max_frames;
  int classes; /* for ctc4j_decode_beam, the decoder's label count */
  int log_probs; /* 1: natural-log probabilities, 0: probabilities */
} ctc4j_decode_emissions;

/* Host arrays (layout above); count may be NULL for the greedy decoder. */
typedef struct ctc4j_decode_hypotheses {
  int n_best;
  int32_t* count;
  float* scores;
  int32_t* lengths;
  int32_t* tokens;
  int32_t* starts;
  int32_t* ends;
  float* confidence;
} ctc4j_decode_hypotheses;

/* No utterances, log-probabilities. */
CTC4J_API ctc4j_decode_emissions ctc4j_decode_default_emissions(void);
/* n_best 1, no arrays. */
CTC4J_API ctc4j_decode_hypotheses ctc4j_decode_default_hypotheses(void);

/* ---- greedy --------------------------------------------------------------------------------- */
/* Best path per utterance, repeats collapsed and blanks dropped, written as hypothesis 0 (count 1
 * when out->count is set; the score is the best path's log-probability, LM 0). On a CUDA device the
 * emissions live there. */
CTC4J_API int ctc4j_decode_greedy(int device, const ctc4j_decode_emissions* emissions, int blank,
                                  const ctc4j_decode_hypotheses* out);

/* ---- prefix beam search --------------------------------------------------------------------- */
enum ctc4j_lm_unit { CTC4J_LM_WORD = 0, CTC4J_LM_CHAR = 1 };

/* An immutable decoder configuration (labels, LM, lexicon trie, hotword trie); shareable.
 * labels: classes NUL-terminated strings back to back. space: the word-separator class or -1.
 * lm may be NULL; it must outlive the decoder. In CTC4J_LM_CHAR mode every non-blank token is an
 * LM word (its label; the space label is looked up as "<space>"). oov_log10: log10 probability of
 * a word outside the LM vocabulary when the LM has no <unk>.
 * lexicon: n_lexicon words (NUL-terminated, back to back); when n_lexicon > 0 only those words may
 * be produced. hotwords: n_hotwords words or phrases (words separated by single spaces), each
 * with a bonus (natural-log units) added once the phrase is complete; a partial match carries the
 * matched fraction of it, which is taken back if the match breaks or the utterance ends early. */
typedef struct ctc4j_beam_decoder ctc4j_beam_decoder;

typedef struct ctc4j_beam_decoder_config {
  const char* labels;
  int classes, blank, space;
  const ctc4j_lm* lm;
  int lm_unit; /* enum ctc4j_lm_unit */
  float alpha, beta, oov_log10;
  const char* lexicon;
  int n_lexicon;
  const char* hotwords;
  const float* hotword_bonus;
  int n_hotwords;
} ctc4j_beam_decoder_config;

/* No labels, blank 0, no word separator (-1), no LM (word unit, alpha 0, beta 0, oov_log10 -10), no
 * lexicon, no hotwords. */
CTC4J_API ctc4j_beam_decoder_config ctc4j_beam_decoder_default_config(void);
CTC4J_API int ctc4j_beam_decoder_create(const ctc4j_beam_decoder_config* config, ctc4j_beam_decoder** out);
CTC4J_API int ctc4j_beam_decoder_destroy(ctc4j_beam_decoder* decoder);

/* beam: prefixes kept per frame. top_k: candidate tokens per frame (<= 0: all). token_min_log_prob:
 * tokens below it are not extended (-INFINITY: none pruned). blank_skip_log_prob: frames whose
 * blank log-probability exceeds it create no new prefixes (+INFINITY: off). */
typedef struct ctc4j_decode_beam_options {
  int beam, top_k;
  float token_min_log_prob, blank_skip_log_prob;
} ctc4j_decode_beam_options;

/* Beam 32, every token, no pruning, no blank skipping. */
CTC4J_API ctc4j_decode_beam_options ctc4j_decode_default_beam_options(void);

/* The n-best (out->n_best; out->count is required) of each utterance. device: CTC4J_CPU, or a CUDA
 * device holding the emissions (one thread block per utterance; the LM and word trie are copied there
 * once per LM / decoder and device; no hotwords; beam <= 2048). Both give the same hypotheses up to
 * float rounding. options NULL: ctc4j_decode_default_beam_options(). */
CTC4J_API int ctc4j_decode_beam(const ctc4j_beam_decoder* decoder, int device, const ctc4j_decode_emissions* emissions,
                                const ctc4j_decode_beam_options* options, const ctc4j_decode_hypotheses* out);

#ifdef __cplusplus
}
#endif
#endif
