// The object behind ctc4j_mel (see include/ctc4j/features.h): the log-mel plan's tables (window,
// FFT twiddles, sparse filterbank), built once in double precision, and their copies on CUDA devices.
#pragma once
#include <memory>
#include <vector>

#include "common/fft.h"
#include "common/mel_plan.h"
#include "ctc4j/features.h"
#include "cuda_bridge/device_copies.h"

struct ctc4j_mel {
  int sample_rate = 0;
  std::vector<float> window, filter_weights;
  std::vector<ctc4j::Cpx> twiddles, roots, post_twiddles;
  std::vector<int> filter_offsets, filter_bins;
  std::vector<float> dense_filterbank;  // [n_bins, n_mels]
  ctc4j::MelPlanView view{};

  mutable ctc4j::DeviceCopies device_plans{"ctc4jcu_mel_release"};  // the plan on CUDA devices, once each

  // The handle of the plan's copy on a CUDA device (for ctc4jcu_log_mel), uploaded on first use.
  const void* device_plan(int device) const;
};

namespace ctc4j::mel_plan {

// Validates the settings (f_max <= 0 means sample_rate / 2) and builds the tables.
std::unique_ptr<ctc4j_mel> create(int sample_rate, int n_fft, int win_length, int hop_length, int n_mels, float f_min,
                                  float f_max, int mel_scale, int filter_norm, int center);

}  // namespace ctc4j::mel_plan
