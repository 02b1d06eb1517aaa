// The log-mel plan: tables built once in double precision (torchaudio's MelSpectrogram, power 2).
#include "handles/mel_plan.h"

#include <cmath>
#include <string>

#include "common/mel.h"
#include "cuda_bridge/exports/features.h"
#include "cuda_bridge/loader.h"
#include "support/error.h"

using namespace ctc4j;

const void* ctc4j_mel::device_plan(int device) const {
  return device_plans.on(device, [&](int d) {
    void* plan = nullptr;
    CTC4J_CUDA_CALL(ctc4jcu_mel_upload, &view, d, &plan);
    return plan;
  });
}

namespace {

Cpx unit_root(double fraction) {  // exp(-2 pi i fraction)
  const double angle = -2.0 * M_PI * fraction;
  return {static_cast<float>(std::cos(angle)), static_cast<float>(std::sin(angle))};
}

// Radices for an n-point complex FFT: fours first, then 2, 3, 5 and other primes.
std::vector<int> factorize(int n) {
  std::vector<int> radices;
  while (n % 4 == 0) radices.push_back(4), n /= 4;
  for (int p = 2; n > 1; ++p) {
    while (n % p == 0) {
      require(p < kMaxRadix, "the FFT length has a prime factor " + std::to_string(p) + " above " +
                                 std::to_string(kMaxRadix - 1) + "; choose n_fft with small prime factors");
      radices.push_back(p), n /= p;
    }
  }
  require(radices.size() <= static_cast<size_t>(kMaxFftStages), "n_fft has too many factors");
  return radices;
}

void build_fft(ctc4j_mel& m) {
  MelPlanView& v = m.view;
  int ns = 1, offset = 0;
  for (int radix : factorize(v.fft_size)) {
    v.stages[v.n_stages++] = FftStage{radix, ns, offset};
    for (int k = 0; k < ns; ++k) {
      for (int r = 1; r < radix; ++r) m.twiddles.push_back(unit_root(double(k) * r / (double(ns) * radix)));
    }
    offset += ns * (radix - 1);
    ns *= radix;
  }
  if (m.twiddles.empty()) m.twiddles.push_back({1.0f, 0.0f});
  m.roots.resize(kMaxRadix * kMaxRadix);
  for (int r = 1; r < kMaxRadix; ++r) {
    for (int q = 0; q < r; ++q) m.roots[r * kMaxRadix + q] = unit_root(double(q) / r);
  }
  for (int k = 0; k < v.n_bins; ++k) m.post_twiddles.push_back(unit_root(double(k) / v.n_fft));
}

// torchaudio.functional.melscale_fbanks, kept dense for inspection and sparse (CSR) for compute.
void build_filterbank(ctc4j_mel& m, double f_min, double f_max, int scale, int norm) {
  MelPlanView& v = m.view;
  const double m_min = hz_to_mel(f_min, scale), m_max = hz_to_mel(f_max, scale);
  std::vector<double> f_pts(v.n_mels + 2);
  for (int i = 0; i < v.n_mels + 2; ++i) f_pts[i] = mel_to_hz(m_min + (m_max - m_min) * i / (v.n_mels + 1), scale);
  const double nyquist = m.sample_rate / 2;  // torchaudio: linspace(0, sample_rate // 2, n_freqs)
  m.dense_filterbank.assign(static_cast<size_t>(v.n_bins) * v.n_mels, 0.0f);
  m.filter_offsets.push_back(0);
  for (int mel = 0; mel < v.n_mels; ++mel) {
    const double enorm = norm == CTC4J_FILTER_NORM_SLANEY ? 2.0 / (f_pts[mel + 2] - f_pts[mel]) : 1.0;
    for (int k = 0; k < v.n_bins; ++k) {
      const double f = v.n_bins > 1 ? nyquist * k / (v.n_bins - 1) : 0.0;
      const float w = static_cast<float>(mel_triangle(f, f_pts[mel], f_pts[mel + 1], f_pts[mel + 2]) * enorm);
      if (w <= 0.0f) continue;
      m.dense_filterbank[static_cast<size_t>(k) * v.n_mels + mel] = w;
      m.filter_bins.push_back(k);
      m.filter_weights.push_back(w);
    }
    m.filter_offsets.push_back(static_cast<int>(m.filter_bins.size()));
  }
  if (m.filter_bins.empty()) m.filter_bins.push_back(0), m.filter_weights.push_back(0.0f);  // keep pointers valid
}

void validate_config(int sample_rate, int n_fft, int win_length, int hop_length, int n_mels, float f_min,
                     float f_max, int mel_scale, int filter_norm, int center) {
  auto range = [](const char* name, double value, double lo, double hi) {
    require(std::isfinite(value) && value >= lo && value <= hi,
            std::string(name) + " must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " +
                std::to_string(value));
  };
  range("sample_rate", sample_rate, 1000, 768000);
  range("n_fft", n_fft, 2, 65536);
  range("win_length", win_length, 1, n_fft);
  range("hop_length", hop_length, 1, 1 << 20);
  range("n_mels", n_mels, 1, 4096);
  range("f_min", f_min, 0, sample_rate / 2.0);
  range("f_max", f_max, f_min, sample_rate / 2.0);
  require(f_max > f_min, "f_max must exceed f_min");
  require(mel_scale == CTC4J_MEL_HTK || mel_scale == CTC4J_MEL_SLANEY, "unknown mel scale " + std::to_string(mel_scale));
  require(filter_norm == CTC4J_FILTER_NORM_NONE || filter_norm == CTC4J_FILTER_NORM_SLANEY,
          "unknown filter norm " + std::to_string(filter_norm));
  require(center == 0 || center == 1, "center must be 0 or 1");
}

}  // namespace

namespace ctc4j::mel_plan {

std::unique_ptr<ctc4j_mel> create(int sample_rate, int n_fft, int win_length, int hop_length, int n_mels, float f_min,
                                  float f_max, int mel_scale, int filter_norm, int center) {
  if (f_max <= 0) f_max = sample_rate / 2.0f;
  validate_config(sample_rate, n_fft, win_length, hop_length, n_mels, f_min, f_max, mel_scale, filter_norm, center);
  auto m = std::make_unique<ctc4j_mel>();
  m->sample_rate = sample_rate;
  MelPlanView& v = m->view;
  v.n_fft = n_fft;
  v.hop_length = hop_length;
  v.n_mels = n_mels;
  v.n_bins = n_fft / 2 + 1;
  v.center = center;
  v.packed = n_fft % 2 == 0;
  v.fft_size = v.packed ? n_fft / 2 : n_fft;
  for (int i = 0; i < n_fft; ++i) m->window.push_back(padded_hann(i, n_fft, win_length));
  build_fft(*m);
  build_filterbank(*m, f_min, f_max, mel_scale, filter_norm);
  v.window = m->window.data();
  v.twiddles = m->twiddles.data();
  v.n_twiddles = static_cast<int>(m->twiddles.size());
  v.roots = m->roots.data();
  v.post_twiddles = m->post_twiddles.data();
  v.filter_offsets = m->filter_offsets.data();
  v.filter_bins = m->filter_bins.data();
  v.filter_weights = m->filter_weights.data();
  v.filter_nnz = static_cast<int>(m->filter_bins.size());
  return m;
}

}  // namespace ctc4j::mel_plan
