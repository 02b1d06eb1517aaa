// The log-mel front end and SpecAugment masks on the CPU, over validated inputs (api/features.cpp).
#pragma once
#include <cstdint>

#include "common/mel_plan.h"

namespace ctc4j::cpu {

// out [batch, n_mels, max_frames]: utterance b's frames[b] frames, zero past them, then normalised.
void log_mel(const MelPlanView& p, const float* audio, const int64_t* lengths, const int64_t* frames, int batch,
             int64_t audio_stride, int normalize, float* out, int64_t max_frames);

// Sets the rectangles masks [n_masks, 4] (utterance, axis, start, width) of features to value.
void mask_features(float* features, int n_mels, int64_t max_frames, const int32_t* masks, int n_masks, float value);

}  // namespace ctc4j::cpu
