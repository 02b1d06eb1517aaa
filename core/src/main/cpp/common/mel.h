// Mel scales, windows, framing and log/normalisation math shared by the CPU and CUDA front ends.
// Semantics follow torchaudio.transforms.MelSpectrogram (melscale_fbanks, periodic Hann window,
// centre padding by reflection).
#pragma once
#include <math.h>

#include "common/fast_math.h"
#include "common/hd.h"

namespace ctc4j {

enum MelScale { kMelHtk = 0, kMelSlaney = 1 };

CTC4J_HD double hz_to_mel(double hz, int scale) {
  if (scale == kMelHtk) return 2595.0 * log10(1.0 + hz / 700.0);
  const double f_sp = 200.0 / 3.0, min_log_hz = 1000.0, min_log_mel = min_log_hz / f_sp;
  const double logstep = log(6.4) / 27.0;
  return hz < min_log_hz ? hz / f_sp : min_log_mel + log(hz / min_log_hz) / logstep;
}

CTC4J_HD double mel_to_hz(double mel, int scale) {
  if (scale == kMelHtk) return 700.0 * (pow(10.0, mel / 2595.0) - 1.0);
  const double f_sp = 200.0 / 3.0, min_log_hz = 1000.0, min_log_mel = min_log_hz / f_sp;
  const double logstep = log(6.4) / 27.0;
  return mel < min_log_mel ? mel * f_sp : min_log_hz * exp(logstep * (mel - min_log_mel));
}

// Triangle of the filter with corners lo < center < hi (Hz) at frequency f.
CTC4J_HD double mel_triangle(double f, double lo, double center, double hi) {
  double down = (f - lo) / (center - lo), up = (hi - f) / (hi - center);
  double w = down < up ? down : up;
  return w > 0.0 ? w : 0.0;
}

// Periodic Hann window of win_length, centred in n_fft (zero outside), as torch.stft pads it.
CTC4J_HD float padded_hann(int i, int n_fft, int win_length) {
  int offset = (n_fft - win_length) / 2, n = i - offset;
  if (n < 0 || n >= win_length) return 0.0f;
  return static_cast<float>(0.5 - 0.5 * cos(2.0 * 3.14159265358979323846 * n / win_length));
}

// Index into a signal of `length` for position i of the reflect-padded signal; reflects again as
// often as needed, so it is defined for signals shorter than the padding too.
CTC4J_HD long long reflect_index(long long i, long long length) {
  if (length == 1) return 0;
  const long long period = 2 * (length - 1);
  long long m = i % period;
  if (m < 0) m += period;
  return m < length ? m : period - m;
}

// ln(max(mel, 1e-10)); the argument is always a positive normal float, where fast_log is within 2 ulp.
CTC4J_HD float log_floor(float mel) { return fast_log(mel > 1e-10f ? mel : 1e-10f); }

// Mean and reciprocal of (unbiased std + 1e-5) from double sums; count 1 gives std 0.
CTC4J_HD void normalisation_stats(double sum, double sum_sq, long long count, float* mean, float* inv_std) {
  double m = count > 0 ? sum / count : 0.0;
  double var = count > 1 ? (sum_sq - sum * m) / (count - 1) : 0.0;
  *mean = static_cast<float>(m);
  *inv_std = static_cast<float>(1.0 / (sqrt(var > 0.0 ? var : 0.0) + 1e-5));
}

}  // namespace ctc4j
