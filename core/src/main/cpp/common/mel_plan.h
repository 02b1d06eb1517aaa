// The log-mel plan as both backends read it: plain pointers into host or device memory.
#pragma once
#include "common/fft.h"

namespace ctc4j {

struct MelPlanView {
  int n_fft, hop_length, n_mels, n_bins, center;
  int fft_size;  // complex FFT length: n_fft / 2 when n_fft is even (packed real FFT), else n_fft
  int packed;
  int n_stages;
  FftStage stages[kMaxFftStages];
  const float* window;        // [n_fft]
  const Cpx* twiddles;        // [n_twiddles], per stage, see FftStage::twiddle_offset
  int n_twiddles;
  const Cpx* roots;           // [kMaxRadix * kMaxRadix]: roots[R * kMaxRadix + q] = exp(-2 pi i q / R)
  const Cpx* post_twiddles;   // [n_bins]: exp(-2 pi i k / n_fft), for the packed real FFT
  const int* filter_offsets;  // [n_mels + 1]: CSR rows of the sparse filterbank
  const int* filter_bins;     // [nnz]
  const float* filter_weights;
  int filter_nnz;
};

// Frame count for `samples` input samples.
inline long long mel_frame_count(const MelPlanView& p, long long samples) {
  if (samples <= 0) return 0;
  // Centred: n_fft / 2 reflected samples on each side, so an odd n_fft loses one sample of reach.
  if (p.center) return (samples + 2 * (p.n_fft / 2) - p.n_fft) / p.hop_length + 1;
  return samples < p.n_fft ? 0 : (samples - p.n_fft) / p.hop_length + 1;
}

}  // namespace ctc4j
