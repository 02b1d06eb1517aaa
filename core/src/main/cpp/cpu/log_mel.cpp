// The CPU log-mel front end: frames in parallel through the SIMD kernel (cpu/log_mel_kernel.h),
// then per-utterance padding and normalisation; and SpecAugment's masks.
#include "cpu/log_mel.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "common/mel.h"
#include "cpu/log_mel_kernel.h"
#include "ctc4j/features.h"
#include "support/parallel.h"

namespace ctc4j::cpu {
namespace {

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

}  // namespace

void log_mel(const MelPlanView& p, const float* audio, const int64_t* lengths, const int64_t* frames, int batch,
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

void mask_features(float* features, int n_mels, int64_t max_frames, const int32_t* masks, int n_masks, float value) {
  for (int i = 0; i < n_masks; ++i) {
    const int32_t* mk = masks + 4 * i;
    float* x = features + static_cast<int64_t>(mk[0]) * n_mels * max_frames;
    if (mk[1] == 0) {
      std::fill(x + int64_t{mk[2]} * max_frames, x + int64_t{mk[2] + mk[3]} * max_frames, value);
    } else {
      for (int m = 0; m < n_mels; ++m) std::fill_n(x + m * max_frames + mk[2], mk[3], value);
    }
  }
}

}  // namespace ctc4j::cpu
