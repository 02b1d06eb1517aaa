// CPU log-mel kernel: eight frames at a time, one per SIMD lane, through the shared FFT math.
// Compiled once per instruction set (CTC4J_SIMD_NAMESPACE); see cpu/simd.h.
#include <algorithm>
#ifdef __AVX2__
#include <immintrin.h>
#endif

#include "common/fft.h"
#include "common/mel.h"
#include "cpu/log_mel_kernel.h"
#include "support/scratch.h"

namespace ctc4j::simd::CTC4J_SIMD_NAMESPACE {
namespace {

constexpr int kLanes = 8;

// One complex value per frame; the fixed-length loops below vectorise.
struct LaneCpx {
  float re[kLanes], im[kLanes];
};

inline LaneCpx add(const LaneCpx& a, const LaneCpx& b) {
  LaneCpx o;
  for (int l = 0; l < kLanes; ++l) o.re[l] = a.re[l] + b.re[l], o.im[l] = a.im[l] + b.im[l];
  return o;
}
inline LaneCpx sub(const LaneCpx& a, const LaneCpx& b) {
  LaneCpx o;
  for (int l = 0; l < kLanes; ++l) o.re[l] = a.re[l] - b.re[l], o.im[l] = a.im[l] - b.im[l];
  return o;
}
inline LaneCpx mul(const LaneCpx& a, Cpx w) {
  LaneCpx o;
  for (int l = 0; l < kLanes; ++l) {
    o.re[l] = a.re[l] * w.re - a.im[l] * w.im;
    o.im[l] = a.re[l] * w.im + a.im[l] * w.re;
  }
  return o;
}
inline LaneCpx scale(const LaneCpx& a, float s) {
  LaneCpx o;
  for (int l = 0; l < kLanes; ++l) o.re[l] = a.re[l] * s, o.im[l] = a.im[l] * s;
  return o;
}
inline LaneCpx mul_neg_i(const LaneCpx& a) {
  LaneCpx o;
  for (int l = 0; l < kLanes; ++l) o.re[l] = a.im[l], o.im[l] = -a.re[l];
  return o;
}
inline LaneCpx conj(const LaneCpx& a) {
  LaneCpx o;
  for (int l = 0; l < kLanes; ++l) o.re[l] = a.re[l], o.im[l] = -a.im[l];
  return o;
}

// The n_fft samples of frame t: a pointer into the audio, or a reflected copy near the edges.
const float* frame_samples(const MelPlanView& p, const float* audio, int64_t length, int64_t t, float* copy) {
  const int64_t start = t * p.hop_length - (p.center ? p.n_fft / 2 : 0);
  if (start >= 0 && start + p.n_fft <= length) return audio + start;
  for (int i = 0; i < p.n_fft; ++i) copy[i] = audio[reflect_index(start + i, length)];
  return copy;
}

#ifdef __AVX2__
// 8x8 transpose: row r of the result holds element r of each input row.
inline void transpose8(__m256 r[8]) {
  __m256 t[8], u[8];
  for (int i = 0; i < 8; i += 2) t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]), t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  for (int i = 0; i < 8; i += 4) {
    u[i] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
    u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
    u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
    u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int i = 0; i < 4; ++i) {
    r[i] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x20);
    r[i + 4] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x31);
  }
}

// Packed load of bins [m, m + 8) for all eight frames: contiguous loads, split into even (re) and
// odd (im) samples, then transposed to one vector per bin (cheaper than gathering scalars).
inline void load_windowed_block8(const float* w, const float* const* frames, int m, LaneCpx* z) {
  const __m256 w0 = _mm256_loadu_ps(w + 2 * m), w1 = _mm256_loadu_ps(w + 2 * m + 8);
  __m256 even[8], odd[8];
  for (int l = 0; l < kLanes; ++l) {
    const __m256 a = _mm256_mul_ps(_mm256_loadu_ps(frames[l] + 2 * m), w0);
    const __m256 b = _mm256_mul_ps(_mm256_loadu_ps(frames[l] + 2 * m + 8), w1);
    // per 128-bit half: a0 a2 b0 b2 | a4 a6 b4 b6, then reorder the 64-bit pairs to a0 a2 a4 a6 b0 b2 b4 b6
    even[l] = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0))),
                                                     _MM_SHUFFLE(3, 1, 2, 0)));
    odd[l] = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1))),
                                                    _MM_SHUFFLE(3, 1, 2, 0)));
  }
  transpose8(even);
  transpose8(odd);
  for (int k = 0; k < 8; ++k) _mm256_storeu_ps(z[m + k].re, even[k]), _mm256_storeu_ps(z[m + k].im, odd[k]);
}
#endif

void load_windowed(const MelPlanView& p, const float* const* frames, LaneCpx* z) {
  const float* w = p.window;
  if (p.packed) {
    int m = 0;
#ifdef __AVX2__
    for (; m + 8 <= p.fft_size; m += 8) load_windowed_block8(w, frames, m, z);
#endif
    for (; m < p.fft_size; ++m) {
      for (int l = 0; l < kLanes; ++l) {
        z[m].re[l] = frames[l][2 * m] * w[2 * m];
        z[m].im[l] = frames[l][2 * m + 1] * w[2 * m + 1];
      }
    }
  } else {
    for (int m = 0; m < p.fft_size; ++m) {
      for (int l = 0; l < kLanes; ++l) z[m].re[l] = frames[l][m] * w[m], z[m].im[l] = 0.0f;
    }
  }
}

template <int R>
void run_stage(const MelPlanView& p, const FftStage& stage, const LaneCpx* in, LaneCpx* out) {
  const int butterflies = p.fft_size / stage.radix;
  for (int j = 0; j < butterflies; ++j) stockham_butterfly<R>(in, out, p.fft_size, stage, p.twiddles, p.roots, j);
}

// Transforms `a` in place using `b` as the other Stockham buffer; returns the one holding the result.
LaneCpx* fft(const MelPlanView& p, LaneCpx* a, LaneCpx* b) {
  for (int s = 0; s < p.n_stages; ++s) {
    const FftStage& stage = p.stages[s];
    switch (stage.radix) {
      case 2: run_stage<2>(p, stage, a, b); break;
      case 3: run_stage<3>(p, stage, a, b); break;
      case 4: run_stage<4>(p, stage, a, b); break;
      case 5: run_stage<5>(p, stage, a, b); break;
      default: run_stage<0>(p, stage, a, b);
    }
    std::swap(a, b);
  }
  return a;
}

void power_spectrum(const MelPlanView& p, const LaneCpx* z, float* power) {
  for (int k = 0; k < p.n_bins; ++k) {
    LaneCpx x = p.packed ? packed_real_bin(z, p.fft_size, k, p.post_twiddles[k]) : z[k];
    for (int l = 0; l < kLanes; ++l) power[k * kLanes + l] = x.re[l] * x.re[l] + x.im[l] * x.im[l];
  }
}

void log_mel(const MelPlanView& p, const float* power, float* out, int64_t out_stride, int64_t t0, int valid) {
  for (int m = 0; m < p.n_mels; ++m) {
    // Two accumulators: a filter's entries form one dependent chain of FMAs otherwise.
    float acc[kLanes] = {}, acc2[kLanes] = {};
    const int begin = p.filter_offsets[m], end = p.filter_offsets[m + 1];
    int e = begin;
    for (; e + 1 < end; e += 2) {
      const float w = p.filter_weights[e], w2 = p.filter_weights[e + 1];
      const float* pw = power + p.filter_bins[e] * kLanes;
      const float* pw2 = power + p.filter_bins[e + 1] * kLanes;
      for (int l = 0; l < kLanes; ++l) acc[l] += w * pw[l], acc2[l] += w2 * pw2[l];
    }
    if (e < end) {
      const float w = p.filter_weights[e];
      const float* pw = power + p.filter_bins[e] * kLanes;
      for (int l = 0; l < kLanes; ++l) acc[l] += w * pw[l];
    }
    for (int l = 0; l < kLanes; ++l) acc[l] += acc2[l];
    for (int l = 0; l < kLanes; ++l) acc[l] = log_floor(acc[l]);  // all lanes: a fixed-length loop vectorises
    float* row = out + m * out_stride + t0;
    if (valid == kLanes) {
      for (int l = 0; l < kLanes; ++l) row[l] = acc[l];  // fixed length: one vector store
    } else {
      std::copy(acc, acc + valid, row);
    }
  }
}

}  // namespace

void log_mel_frames(const MelPlanView& p, const float* audio, int64_t length, int64_t begin, int64_t end,
                    float* out, int64_t out_stride) {
  ScratchFrame scratch;
  LaneCpx* a = scratch.take<LaneCpx>(p.fft_size);
  LaneCpx* b = scratch.take<LaneCpx>(p.fft_size);
  float* copies = scratch.take<float>(static_cast<size_t>(kLanes) * p.n_fft);
  float* power = scratch.take<float>(static_cast<size_t>(kLanes) * p.n_bins);
  const float* frames[kLanes];
  for (int64_t t0 = begin; t0 < end; t0 += kLanes) {
    const int valid = static_cast<int>(std::min<int64_t>(kLanes, end - t0));
    for (int l = 0; l < kLanes; ++l) {
      frames[l] = frame_samples(p, audio, length, t0 + std::min(l, valid - 1), copies + l * p.n_fft);
    }
    load_windowed(p, frames, a);
    power_spectrum(p, fft(p, a, b), power);
    log_mel(p, power, out, out_stride, t0, valid);
  }
}

}  // namespace ctc4j::simd::CTC4J_SIMD_NAMESPACE
