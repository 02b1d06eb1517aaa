// The log-mel C API (ctc4j/features.h): plans (handles/mel_plan.h), and the front end and SpecAugment
// masks, validated here and run on the CPU (cpu/log_mel.h) or handed to the CUDA library.
#include <algorithm>
#include <string>

#include "cpu/log_mel.h"
#include "ctc4j/features.h"
#include "cuda_bridge/exports/features.h"
#include "cuda_bridge/loader.h"
#include "handles/mel_plan.h"
#include "support/error.h"

using namespace ctc4j;

extern "C" {

int ctc4j_mel_create(int sample_rate, int n_fft, int win_length, int hop_length, int n_mels, float f_min, float f_max,
                     int mel_scale, int filter_norm, int center, ctc4j_mel** out) {
  return guarded([&] {
    *out = nullptr;
    *out = mel_plan::create(sample_rate, n_fft, win_length, hop_length, n_mels, f_min, f_max, mel_scale, filter_norm,
                            center)
               .release();
  });
}

int ctc4j_mel_destroy(ctc4j_mel* mel) {
  return guarded([&] { delete mel; });
}

int ctc4j_mel_frames(const ctc4j_mel* mel, int64_t samples, int64_t* frames) {
  return guarded([&] {
    require(mel != nullptr, "null mel plan");
    require(samples >= 0, "negative sample count " + std::to_string(samples));
    *frames = mel_frame_count(mel->view, samples);
  });
}

int ctc4j_mel_filterbank(const ctc4j_mel* mel, float* out) {
  return guarded([&] {
    require(mel != nullptr && out != nullptr, "null argument");
    std::copy(mel->dense_filterbank.begin(), mel->dense_filterbank.end(), out);
  });
}

int ctc4j_log_mel(const ctc4j_mel* mel, int device, const float* audio, const int64_t* lengths, int batch,
                  int64_t audio_stride, int normalize, float* out, int64_t max_frames, int64_t* frames) {
  return guarded([&] {
    require(mel != nullptr && lengths != nullptr && frames != nullptr, "null argument");
    require(batch >= 0, "negative batch size " + std::to_string(batch));
    require(audio_stride >= 0 && max_frames >= 0, "negative stride or frame capacity");
    require(normalize >= CTC4J_NORMALIZE_NONE && normalize <= CTC4J_NORMALIZE_FEATURE,
            "unknown normalisation " + std::to_string(normalize));
    for (int b = 0; b < batch; ++b) {
      require(lengths[b] >= 0 && lengths[b] <= audio_stride,
              "utterance " + std::to_string(b) + ": length " + std::to_string(lengths[b]) + " outside [0, " +
                  std::to_string(audio_stride) + "]");
      frames[b] = mel_frame_count(mel->view, lengths[b]);
      require(frames[b] <= max_frames, "utterance " + std::to_string(b) + " needs " + std::to_string(frames[b]) +
                                           " frames but the output holds " + std::to_string(max_frames));
    }
    if (batch == 0) return;
    require(audio != nullptr && out != nullptr, "null audio or output");
    if (device == CTC4J_CPU) {
      cpu::log_mel(mel->view, audio, lengths, frames, batch, audio_stride, normalize, out, max_frames);
    } else {
      cuda::require_device(device);
      const void* plan = const_cast<ctc4j_mel*>(mel)->device_plan(device);
      CTC4J_CUDA_CALL(ctc4jcu_log_mel, plan, device, audio, lengths, frames, batch, audio_stride, normalize, out,
                      max_frames);
    }
  });
}

int ctc4j_mask_features(int device, float* features, int batch, int n_mels, int64_t max_frames, const int32_t* masks,
                        int n_masks, float value) {
  return guarded([&] {
    require(batch >= 0 && n_mels >= 0 && max_frames >= 0 && n_masks >= 0, "negative size");
    for (int i = 0; i < n_masks; ++i) {
      const int32_t* mk = masks + 4 * i;
      const int64_t extent = mk[1] == 0 ? n_mels : max_frames;
      require(mk[0] >= 0 && mk[0] < batch && (mk[1] == 0 || mk[1] == 1) && mk[2] >= 0 && mk[3] >= 0 &&
                  mk[2] + int64_t{mk[3]} <= extent,
              "mask " + std::to_string(i) + " is outside the features");
    }
    if (n_masks == 0) return;
    if (device != CTC4J_CPU) {
      cuda::require_device(device);
      CTC4J_CUDA_CALL(ctc4jcu_mask_features, device, features, batch, n_mels, max_frames, masks, n_masks, value);
      return;
    }
    cpu::mask_features(features, n_mels, max_frames, masks, n_masks, value);
  });
}

}  // extern "C"
