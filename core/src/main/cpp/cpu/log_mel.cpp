// The log-mel plan (tables built once in double precision) and the C API that runs it on the CPU
// or hands it to the CUDA backend.
#include <cmath>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/mel.h"
#include "common/mel_plan.h"
#include "cpu/cuda_backend.h"
#include "cpu/error.h"
#include "cpu/log_mel_kernel.h"
#include "cpu/parallel.h"
#include "ctc4j/features.h"
#include "cuda_api/features.h"

using namespace ctc4j;

struct ctc4j_mel {
  int sample_rate = 0;
  std::vector<float> window, filter_weights;
  std::vector<Cpx> twiddles, roots, post_twiddles;
  std::vector<int> filter_offsets, filter_bins;
  std::vector<float> dense_filterbank;  // [n_bins, n_mels]
  MelPlanView view{};

  std::mutex device_mutex;
  std::vector<std::pair<int, void*>> device_plans;  // uploaded lazily, one per CUDA device

  ~ctc4j_mel() {
    for (auto& [device, plan] : device_plans) {
      reinterpret_cast<decltype(&ctc4jcu_mel_release)>(cuda::symbol("ctc4jcu_mel_release"))(device, plan);
    }
  }

  const void* device_plan(int device) {
    std::lock_guard<std::mutex> lock(device_mutex);
    for (auto& [d, plan] : device_plans) {
      if (d == device) return plan;
    }
    void* plan = nullptr;
    CTC4J_CUDA_CALL(ctc4jcu_mel_upload, &view, device, &plan);
    device_plans.emplace_back(device, plan);
    return plan;
  }
};

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

void normalize_cpu(float* x, int n_mels, int64_t frames, int64_t stride, int mode) {
  if (mode == CTC4J_NORMALIZE_NONE || frames == 0) return;
  auto apply = [&](int m_begin, int m_end) {
    double sum = 0, sum_sq = 0;
    for (int m = m_begin; m < m_end; ++m) {
      for (int64_t t = 0; t < frames; ++t) sum += x[m * stride + t], sum_sq += double(x[m * stride + t]) * x[m * stride + t];
    }
    float mean, inv_std;
    normalisation_stats(sum, sum_sq, static_cast<long long>(m_end - m_begin) * frames, &mean, &inv_std);
    for (int m = m_begin; m < m_end; ++m) {
      for (int64_t t = 0; t < frames; ++t) x[m * stride + t] = (x[m * stride + t] - mean) * inv_std;
    }
  };
  if (mode == CTC4J_NORMALIZE_UTTERANCE) {
    apply(0, n_mels);
  } else {
    for (int m = 0; m < n_mels; ++m) apply(m, m + 1);
  }
}

void log_mel_cpu(const MelPlanView& p, const float* audio, const int64_t* lengths, const int64_t* frames, int batch,
                 int64_t audio_stride, int normalize, float* out, int64_t max_frames) {
  constexpr int64_t kFramesPerTask = 64;
  std::vector<std::pair<int, int64_t>> tasks;  // (utterance, first frame)
  for (int b = 0; b < batch; ++b) {
    for (int64_t t = 0; t < frames[b]; t += kFramesPerTask) tasks.emplace_back(b, t);
  }
  const int64_t utterance_size = static_cast<int64_t>(p.n_mels) * max_frames;
  parallel_for(static_cast<int64_t>(tasks.size()), [&](int64_t i) {
    auto [b, begin] = tasks[i];
    const int64_t end = std::min(frames[b], begin + kFramesPerTask);
    CTC4J_SIMD_DISPATCH(log_mel_frames)(p, audio + b * audio_stride, lengths[b], begin, end,
                                        out + b * utterance_size, max_frames);
  });
  parallel_for(batch, [&](int64_t b) {
    float* x = out + b * utterance_size;
    for (int m = 0; m < p.n_mels; ++m) std::fill(x + m * max_frames + frames[b], x + (m + 1) * max_frames, 0.0f);
    normalize_cpu(x, p.n_mels, frames[b], max_frames, normalize);
  });
}

}  // namespace

extern "C" {

int ctc4j_mel_create(int sample_rate, int n_fft, int win_length, int hop_length, int n_mels, float f_min, float f_max,
                     int mel_scale, int filter_norm, int center, ctc4j_mel** out) {
  return guarded([&] {
    *out = nullptr;
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
    *out = m.release();
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
      log_mel_cpu(mel->view, audio, lengths, frames, batch, audio_stride, normalize, out, max_frames);
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
    for (int i = 0; i < n_masks; ++i) {
      const int32_t* mk = masks + 4 * i;
      float* x = features + static_cast<int64_t>(mk[0]) * n_mels * max_frames;
      if (mk[1] == 0) {
        std::fill(x + int64_t{mk[2]} * max_frames, x + int64_t{mk[2] + mk[3]} * max_frames, value);
      } else {
        for (int m = 0; m < n_mels; ++m) std::fill_n(x + m * max_frames + mk[2], mk[3], value);
      }
    }
  });
}

}  // extern "C"
