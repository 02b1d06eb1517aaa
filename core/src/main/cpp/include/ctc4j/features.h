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
typedef struct ctc4j_mel_config {
  int sample_rate, n_fft, win_length, hop_length, n_mels;
  float f_min, f_max;
  int mel_scale;   /* enum ctc4j_mel_scale */
  int filter_norm; /* enum ctc4j_filter_norm */
  int center;
} ctc4j_mel_config;

/* torchaudio.transforms.MelSpectrogram's defaults: 16 kHz, n_fft 400, win_length 400, hop 200,
 * 128 mels, f_min 0, f_max sample_rate / 2, HTK scale, no filter norm, centred. */
CTC4J_API ctc4j_mel_config ctc4j_mel_default_config(void);
CTC4J_API int ctc4j_mel_create(const ctc4j_mel_config* config, ctc4j_mel** out);
CTC4J_API int ctc4j_mel_destroy(ctc4j_mel* mel);
CTC4J_API int ctc4j_mel_frames(const ctc4j_mel* mel, int64_t samples, int64_t* frames);
/* The dense filterbank [n_fft/2 + 1, n_mels], laid out as torchaudio's melscale_fbanks. */
CTC4J_API int ctc4j_mel_filterbank(const ctc4j_mel* mel, float* out);

/* samples: [batch, stride] on the computing device, utterance b's samples are the first lengths[b]
 * (a host array). */
typedef struct ctc4j_features_audio {
  const float* samples;
  const int64_t* lengths;
  int batch;
  int64_t stride;
} ctc4j_features_audio;

/* No utterances. */
CTC4J_API ctc4j_features_audio ctc4j_features_default_audio(void);

/* out: [batch, n_mels, max_frames] on `device`; frames past an utterance's count are zero.
 * frames (host [batch]) receives each utterance's frame count. normalize: enum ctc4j_normalize. */
CTC4J_API int ctc4j_features_log_mel(const ctc4j_mel* mel, int device, const ctc4j_features_audio* audio,
                                     int normalize, float* out, int64_t max_frames, int64_t* frames);

/* Sets rectangles of features [batch, n_mels, max_frames] to value (SpecAugment masks).
 * masks: host array [n_masks, 4] of (utterance, axis: 0 = mel bins / 1 = frames, start, width). */
CTC4J_API int ctc4j_features_mask(int device, float* features, int batch, int n_mels, int64_t max_frames,
                                  const int32_t* masks, int n_masks, float value);

#ifdef __cplusplus
}
#endif
#endif
