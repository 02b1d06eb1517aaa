// libctc4j_cuda's log-mel entry points (see include/ctc4j/features.h for the semantics).
#pragma once
#include <stdint.h>

#include "common/mel_plan.h"
#include "ctc4j/core.h"

extern "C" {
// Copies a host plan's tables to `device`; the handle is released with ctc4jcu_mel_release.
CTC4J_API int ctc4jcu_mel_upload(const ctc4j::MelPlanView* host_plan, int device, void** out);
CTC4J_API int ctc4jcu_mel_release(int device, void* device_plan);
// lengths and frames are host arrays; audio and out live on `device`.
CTC4J_API int ctc4jcu_log_mel(const void* device_plan, int device, const float* audio, const int64_t* lengths,
                              const int64_t* frames, int batch, int64_t audio_stride, int normalize, float* out,
                              int64_t max_frames);
CTC4J_API int ctc4jcu_mask_features(int device, float* features, int batch, int n_mels, int64_t max_frames,
                                    const int32_t* masks, int n_masks, float value);
}
