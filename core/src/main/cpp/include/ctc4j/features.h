/* Log-mel front end: torchaudio.transforms.MelSpectrogram (power 2) followed by ln(max(x, 1e-10)),
 * batched over utterances of different lengths, on the CPU or a CUDA device. */
#ifndef CTC4J_FEATURES_H
#define CTC4J_FEATURES_H

#include "ctc4j/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An immutable plan (window, FFT twiddles, sparse filterbank), shareable across threads. */
typedef struct ctc4j_mel ctc4j_mel;

enum ctc4j_mel_scale { CTC4J_MEL_HTK = 0, CTC4J_MEL_SLANEY = 1 };
enum ctc4j_filter_norm { CTC4J_FILTER_NORM_NONE = 0, CTC4J_FILTER_NORM_SLANEY = 1 };
enum ctc4j_normalize {
  CTC4J_NORMALIZE_NONE = 0,
  CTC4J_NORMALIZE_UTTERANCE = 1, /* one mean and std over all of an utterance's values */
  CTC4J_NORMALIZE_FEATURE = 2    /* a mean and std per mel bin over an utterance's frames */
};

/* f_max <= 0 means sample_rate / 2. center = 1 pads n_fft/2 on both sides by reflection. */
CTC4J_API int ctc4j_mel_create(int sample_rate, int n_fft, int win_length, int hop_length, int n_mels,
                               float f_min, float f_max, int mel_scale, int filter_norm, int center,
                               ctc4j_mel** out);
CTC4J_API int ctc4j_mel_destroy(ctc4j_mel* mel);
CTC4J_API int ctc4j_mel_frames(const ctc4j_mel* mel, int64_t samples, int64_t* frames);
/* The dense filterbank [n_fft/2 + 1, n_mels], laid out as torchaudio's melscale_fbanks. */
CTC4J_API int ctc4j_mel_filterbank(const ctc4j_mel* mel, float* out);

/* audio: [batch, audio_stride] on `device`, utterance b's samples are the first lengths[b].
 * out: [batch, n_mels, max_frames] on `device`; frames past an utterance's count are zero.
 * lengths and frames (receives each utterance's frame count) are host arrays. */
CTC4J_API int ctc4j_log_mel(const ctc4j_mel* mel, int device, const float* audio, const int64_t* lengths,
                            int batch, int64_t audio_stride, int normalize, float* out, int64_t max_frames,
                            int64_t* frames);

/* Sets rectangles of features [batch, n_mels, max_frames] to value (SpecAugment masks).
 * masks: host array [n_masks, 4] of (utterance, axis: 0 = mel bins / 1 = frames, start, width). */
CTC4J_API int ctc4j_mask_features(int device, float* features, int batch, int n_mels, int64_t max_frames,
                                  const int32_t* masks, int n_masks, float value);

#ifdef __cplusplus
}
#endif
#endif
