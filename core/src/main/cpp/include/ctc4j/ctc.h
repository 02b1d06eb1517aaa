/* Connectionist temporal classification: batched loss and gradient on the CPU or a CUDA device,
 * soft alignment (per-frame posteriors) and Viterbi forced alignment on the CPU.
 *
 * Every function takes the same description of a batch, a ctc4j_ctc_batch:
 *   inputs          float32 on the loss's `device` (the CPU for the alignments), [max_time, batch, alphabet]
 *                   for CTC4J_CTC_TIME_MAJOR or [batch, max_time, alphabet] for CTC4J_CTC_BATCH_MAJOR.
 *   input_lengths   host [batch], each in [0, max_time]; frames past an utterance's length are ignored.
 *   targets         host int32 labels; utterance b's are targets[target_offsets[b] + i] for
 *                   i < target_lengths[b], inside [0, targets_size). Labels lie in [0, alphabet) and
 *                   differ from blank. Padded [batch, S] targets have offsets b * S.
 * Targets are positions on the extended sequence (blank, y1, blank, y2, ..., blank): position s
 * holds a blank when s is even and label s/2 when it is odd. Values are validated (labels, lengths,
 * NaN inputs); errors name the utterance and the value. */
#ifndef CTC4J_CTC_H
#define CTC4J_CTC_H

#include "ctc4j/core.h"

#ifdef __cplusplus
extern "C" {
#endif

enum ctc4j_ctc_layout { CTC4J_CTC_TIME_MAJOR = 0, CTC4J_CTC_BATCH_MAJOR = 1 };
enum ctc4j_ctc_inputs {
  CTC4J_CTC_LOG_PROBS = 0,  /* log-probabilities; the gradient is torch.nn.functional.ctc_loss's */
  CTC4J_CTC_ACTIVATIONS = 1 /* unnormalised scores; log-softmax is applied and folded into the gradient */
};

/* A batch of inputs and targets (above). */
typedef struct ctc4j_ctc_batch {
  const float* inputs;
  int layout; /* enum ctc4j_ctc_layout */
  int max_time, batch, alphabet;
  const int64_t* input_lengths;
  const int32_t* targets;
  const int64_t* target_offsets;
  const int64_t* target_lengths;
  int64_t targets_size;
  int blank;
} ctc4j_ctc_batch;

/* How ctc4j_ctc_loss reads its inputs and scores infeasible utterances. */
typedef struct ctc4j_ctc_options {
  int input_kind;    /* enum ctc4j_ctc_inputs */
  int zero_infinity; /* != 0: an infeasible utterance gets loss 0 and gradient 0 (as PyTorch) */
} ctc4j_ctc_options;

/* An empty time-major batch with blank 0. */
CTC4J_API ctc4j_ctc_batch ctc4j_ctc_default_batch(void);
/* Log-probabilities, zero_infinity off. */
CTC4J_API ctc4j_ctc_options ctc4j_ctc_default_options(void);

/* losses: host [batch], -log p(target | input), +inf when no alignment exists (0 with zero_infinity).
 * grad: NULL for the loss alone, else the gradient on `device` in the inputs' layout, utterance b's
 * scaled by grad_scales[b] (host): exp(lp) - posterior mass of each class, as PyTorch computes it for
 * log-probabilities, and exactly d loss / d activation for activations. Frames past an utterance's
 * length get 0; an infeasible utterance gets NaN, or 0 with zero_infinity (as PyTorch).
 * options NULL: ctc4j_ctc_default_options(). */
CTC4J_API int ctc4j_ctc_loss(int device, const ctc4j_ctc_batch* batch, const ctc4j_ctc_options* options, float* losses,
                             const float* grad_scales, float* grad);

/* For tests and the GPU harness: on != 0 makes the CPU loss, gradient and posteriors run only the
 * log-space recursions (common/ctc.h, the ones the CUDA kernels run), instead of double linear space
 * with a log-space fallback, so the two devices can be compared step for step. Process-wide. */
CTC4J_API int ctc4j_ctc_set_log_space_only(int on);

/* Soft alignment of log-probabilities on the CPU. posteriors: host [batch, max_time, positions],
 * positions >= 2 * (longest target) + 1: the posterior of extended position s at frame t given the
 * whole input (alpha * beta, normalised; each valid row sums to 1); 0 elsewhere.
 * log_likelihoods: host [batch], log p(target | input). An infeasible utterance is an error. */
CTC4J_API int ctc4j_ctc_posteriors(const ctc4j_ctc_batch* batch, float* posteriors, int64_t positions,
                                   double* log_likelihoods);

/* Viterbi forced alignment of log-probabilities on the CPU. states: host [batch, max_time], the
 * extended position of the best path at each frame, -1 past the input length. path_log_probs:
 * host [batch], the best path's log-probability. An infeasible utterance is an error. */
CTC4J_API int ctc4j_ctc_viterbi(const ctc4j_ctc_batch* batch, int32_t* states, double* path_log_probs);

#ifdef __cplusplus
}
#endif
#endif
