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

ctc4j_mel_config ctc4j_mel_default_config(void) {
  return ctc4j_mel_config{16000, 400, 400, 200, 128, 0.0f, 0.0f, CTC4J_MEL_HTK, CTC4J_FILTER_NORM_NONE, 1};
}

ctc4j_features_audio ctc4j_features_default_audio(void) { return ctc4j_features_audio{nullptr, nullptr, 0, 0}; }

int ctc4j_mel_create(const ctc4j_mel_config* config, ctc4j_mel** out) {
  return guarded([&] {
    *out = nullptr;
    require(config != nullptr, "null log-mel configuration");
    const ctc4j_mel_config& c = *config;
    *out = mel_plan::create(c.sample_rate, c.n_fft, c.win_length, c.hop_length, c.n_mels, c.f_min, c.f_max,
                            c.mel_scale, c.filter_norm, c.center)
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

int ctc4j_features_log_mel(const ctc4j_mel* mel, int device, const ctc4j_features_audio* in, int normalize, float* out,
                           int64_t max_frames, int64_t* frames) {
  return guarded([&] {
    require(mel != nullptr && in != nullptr && in->lengths != nullptr && frames != nullptr, "null argument");
    const float* audio = in->samples;
    const int64_t* lengths = in->lengths;
    const int batch = in->batch;
    const int64_t audio_stride = in->stride;
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
      const void* plan = mel->device_plan(device);
      CTC4J_CUDA_CALL(ctc4jcu_log_mel, plan, device, audio, lengths, frames, batch, audio_stride, normalize, out,
                      max_frames);
    }
  });
}

int ctc4j_features_mask(int device, float* features, int batch, int n_mels, int64_t max_frames, const int32_t* masks,
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
