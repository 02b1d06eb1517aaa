// CUDA log-mel: one block per group of frames of one utterance. Framing, window, FFT (the shared
// Stockham butterflies, one thread per butterfly), power, sparse mel filter and log are fused in
// shared memory; normalisation and SpecAugment masks are separate small kernels.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "check.cuh"
#include "common/mel.h"
#include "cuda_bridge/exports/features.h"

namespace ctc4j {
namespace {

constexpr int kThreads = 256;
constexpr size_t kSharedBudget = 48 * 1024;

struct DevicePlan {
  MelPlanView view;  // pointers into `storage`
  DeviceBuffer<unsigned char> storage;
};

int frames_per_block(const MelPlanView& p) {
  const size_t per_frame = 2 * sizeof(Cpx) * std::max(p.fft_size, p.n_bins);
  require(per_frame <= kSharedBudget, "n_fft " + std::to_string(p.n_fft) +
                                          " is too large for the CUDA log-mel kernel (at most 6142)");
  return static_cast<int>(std::max<size_t>(1, std::min<size_t>(8, kSharedBudget / per_frame)));
}

template <int R>
__device__ void fft_stage(const MelPlanView& p, const FftStage& stage, const Cpx* in, Cpx* out, int frames) {
  const int butterflies = p.fft_size / stage.radix;
  for (int i = threadIdx.x; i < frames * butterflies; i += blockDim.x) {
    const int f = i / butterflies, j = i % butterflies;
    stockham_butterfly<R>(in + f * p.fft_size, out + f * p.fft_size, p.fft_size, stage, p.twiddles, p.roots, j);
  }
}

__global__ void log_mel_kernel(MelPlanView p, const float* audio, const int64_t* lengths, const int64_t* frames,
                               int64_t audio_stride, float* out, int64_t max_frames, int per_block, int first_b) {
  extern __shared__ Cpx shared[];
  const int b = first_b + blockIdx.y;
  const int64_t t0 = static_cast<int64_t>(blockIdx.x) * per_block;
  if (t0 >= frames[b]) return;
  const int count = static_cast<int>(min(static_cast<int64_t>(per_block), frames[b] - t0));
  const int64_t length = lengths[b];
  const float* x = audio + b * audio_stride;
  const int span = max(p.fft_size, p.n_bins);
  Cpx* a = shared;
  Cpx* c = shared + per_block * span;

  for (int i = threadIdx.x; i < count * p.fft_size; i += blockDim.x) {
    const int f = i / p.fft_size, m = i % p.fft_size;
    const long long start = (t0 + f) * p.hop_length - (p.center ? p.n_fft / 2 : 0);
    auto sample = [&](int n) { return x[reflect_index(start + n, length)] * p.window[n]; };
    a[f * p.fft_size + m] = p.packed ? Cpx{sample(2 * m), sample(2 * m + 1)} : Cpx{sample(m), 0.0f};
  }
  __syncthreads();
  for (int s = 0; s < p.n_stages; ++s) {
    const FftStage stage = p.stages[s];
    switch (stage.radix) {
      case 2: fft_stage<2>(p, stage, a, c, count); break;
      case 3: fft_stage<3>(p, stage, a, c, count); break;
      case 4: fft_stage<4>(p, stage, a, c, count); break;
      case 5: fft_stage<5>(p, stage, a, c, count); break;
      default: fft_stage<0>(p, stage, a, c, count);
    }
    __syncthreads();
    Cpx* t = a;
    a = c;
    c = t;
  }
  float* power = reinterpret_cast<float*>(c);  // the free buffer
  for (int i = threadIdx.x; i < count * p.n_bins; i += blockDim.x) {
    const int f = i / p.n_bins, k = i % p.n_bins;
    const Cpx* z = a + f * p.fft_size;
    const Cpx v = p.packed ? packed_real_bin(z, p.fft_size, k, p.post_twiddles[k]) : z[k];
    power[f * p.n_bins + k] = v.re * v.re + v.im * v.im;
  }
  __syncthreads();
  float* y = out + static_cast<int64_t>(b) * p.n_mels * max_frames;
  for (int i = threadIdx.x; i < count * p.n_mels; i += blockDim.x) {
    const int m = i / count, f = i % count;  // consecutive threads write consecutive frames
    float acc = 0.0f;
    for (int e = p.filter_offsets[m]; e < p.filter_offsets[m + 1]; ++e) {
      acc += p.filter_weights[e] * power[f * p.n_bins + p.filter_bins[e]];
    }
    y[m * max_frames + t0 + f] = log_floor(acc);
  }
}

// One block per (utterance, row group): rows [row, row + rows) of n_mels, frames [0, frames[b]).
__global__ void normalize_kernel(float* out, const int64_t* frames, int n_mels, int64_t max_frames, int rows,
                                 int first_b) {
  const int b = first_b + blockIdx.y, row = blockIdx.x * rows;
  float* x = out + static_cast<int64_t>(b) * n_mels * max_frames;
  const int64_t n = frames[b];
  const int64_t total = static_cast<int64_t>(rows) * n;
  double sum = 0.0, sum_sq = 0.0;
  for (int64_t i = threadIdx.x; i < total; i += blockDim.x) {
    const double v = x[(row + i / n) * max_frames + i % n];
    sum += v;
    sum_sq += v * v;
  }
  __shared__ double s1[kThreads], s2[kThreads];
  s1[threadIdx.x] = sum;
  s2[threadIdx.x] = sum_sq;
  __syncthreads();
  for (int w = blockDim.x / 2; w > 0; w /= 2) {
    if (threadIdx.x < w) s1[threadIdx.x] += s1[threadIdx.x + w], s2[threadIdx.x] += s2[threadIdx.x + w];
    __syncthreads();
  }
  float mean, inv_std;
  normalisation_stats(s1[0], s2[0], total, &mean, &inv_std);
  for (int64_t i = threadIdx.x; i < total; i += blockDim.x) {
    float& v = x[(row + i / n) * max_frames + i % n];
    v = (v - mean) * inv_std;
  }
}

__global__ void mask_kernel(float* features, int n_mels, int64_t max_frames, const int32_t* masks, float value,
                            int64_t first_mask) {
  const int32_t* mk = masks + 4 * (first_mask + blockIdx.y);
  float* x = features + static_cast<int64_t>(mk[0]) * n_mels * max_frames;
  const int64_t area = mk[1] == 0 ? mk[3] * max_frames : static_cast<int64_t>(n_mels) * mk[3];
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < area; i += int64_t{gridDim.x} * blockDim.x) {
    if (mk[1] == 0) {
      x[(mk[2] + i / max_frames) * max_frames + i % max_frames] = value;
    } else {
      x[(i / mk[3]) * max_frames + mk[2] + i % mk[3]] = value;
    }
  }
}

}  // namespace
}  // namespace ctc4j

using namespace ctc4j;

extern "C" {

int ctc4jcu_mel_upload(const MelPlanView* host, int device, void** out) {
  return guarded([&] {
    CTC4J_CUDA_CHECK(cudaSetDevice(device));
    const size_t n_twiddles = host->n_twiddles;
    DeviceArena arena;
    arena.reserve<float>(host->n_fft);
    arena.reserve<Cpx>(n_twiddles);
    arena.reserve<Cpx>(kMaxRadix * kMaxRadix);
    arena.reserve<Cpx>(host->n_bins);
    arena.reserve<int>(host->n_mels + 1);
    arena.reserve<int>(host->filter_nnz);
    arena.reserve<float>(host->filter_nnz);
    arena.allocate();
    auto plan = std::make_unique<DevicePlan>(DevicePlan{*host, {}});
    MelPlanView& v = plan->view;
    v.window = arena.place(host->window, host->n_fft);
    v.twiddles = arena.place(host->twiddles, n_twiddles);
    v.roots = arena.place(host->roots, kMaxRadix * kMaxRadix);
    v.post_twiddles = arena.place(host->post_twiddles, host->n_bins);
    v.filter_offsets = arena.place(host->filter_offsets, host->n_mels + 1);
    v.filter_bins = arena.place(host->filter_bins, host->filter_nnz);
    v.filter_weights = arena.place(host->filter_weights, host->filter_nnz);
    plan->storage = arena.take();
    *out = plan.release();
  });
}

int ctc4jcu_mel_release(int device, void* device_plan) {
  return guarded([&] {
    std::unique_ptr<DevicePlan> plan(static_cast<DevicePlan*>(device_plan));
    CTC4J_CUDA_CHECK(cudaSetDevice(device));
    plan.reset();
  });
}

int ctc4jcu_log_mel(const void* device_plan, int device, const float* audio, const int64_t* lengths,
                    const int64_t* frames, int batch, int64_t audio_stride, int normalize, float* out,
                    int64_t max_frames) {
  return guarded([&] {
    const MelPlanView& p = static_cast<const DevicePlan*>(device_plan)->view;
    CTC4J_CUDA_CHECK(cudaSetDevice(device));
    cudaStream_t stream = cudaStreamPerThread;
    const DeviceBuffer<int64_t> d_lengths(lengths, batch), d_frames(frames, batch);
    CTC4J_CUDA_CHECK(cudaMemsetAsync(out, 0, sizeof(float) * batch * p.n_mels * max_frames, stream));
    const int per_block = frames_per_block(p);
    const int64_t longest = *std::max_element(frames, frames + batch);
    if (longest > 0) {
      const size_t shared = 2 * sizeof(Cpx) * per_block * std::max(p.fft_size, p.n_bins);
      const unsigned frame_blocks = grid_x((longest + per_block - 1) / per_block);
      launch_rows(batch, [&](unsigned rows, int64_t first) {
        log_mel_kernel<<<dim3(frame_blocks, rows), kThreads, shared, stream>>>(
            p, audio, d_lengths.get(), d_frames.get(), audio_stride, out, max_frames, per_block, static_cast<int>(first));
      });
      if (normalize != 0) {
        const int rows_per_block = normalize == 1 ? p.n_mels : 1;
        launch_rows(batch, [&](unsigned rows, int64_t first) {
          normalize_kernel<<<dim3(p.n_mels / rows_per_block, rows), kThreads, 0, stream>>>(
              out, d_frames.get(), p.n_mels, max_frames, rows_per_block, static_cast<int>(first));
        });
      }
    }
    CTC4J_CUDA_CHECK(cudaStreamSynchronize(stream));
  });
}

int ctc4jcu_mask_features(int device, float* features, int batch, int n_mels, int64_t max_frames,
                          const int32_t* masks, int n_masks, float value) {
  return guarded([&] {
    CTC4J_CUDA_CHECK(cudaSetDevice(device));
    cudaStream_t stream = cudaStreamPerThread;
    const DeviceBuffer<int32_t> d_masks(masks, 4 * static_cast<size_t>(n_masks));
    launch_rows(n_masks, [&](unsigned rows, int64_t first) {
      mask_kernel<<<dim3(64, rows), kThreads, 0, stream>>>(features, n_mels, max_frames, d_masks.get(), value, first);
    });
    CTC4J_CUDA_CHECK(cudaStreamSynchronize(stream));
  });
}

}  // extern "C"
