// CUDA CTC loss and gradient: one block per utterance walks the frames; its threads share the
// extended positions of a frame (any number: rows live in global workspace, not shared memory) and
// run the same recursion steps as the CPU (common/ctc.h). Row maxima, sums and the per-class
// gradient sums are fixed-order reductions, so results are deterministic; no float atomics.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "check.cuh"
#include "common/ctc.h"
#include "cuda_bridge/exports/ctc.h"

namespace ctc4j {
namespace {

constexpr int kThreads = 256;
constexpr int kPad = 2;  // kLogZero cells on each side of a row, as on the CPU

// Where utterance b's data and scratch live.
struct UtteranceLayout {
  int frames, target_length;
  int64_t targets;  // offset into the uploaded targets, label_next and label_first
  int64_t alpha;    // offset of frames padded rows in the alpha workspace
  int64_t rows;     // offset of 2 beta rows + occupancy row in the row workspace
  int64_t offsets;  // offset of frames doubles (alpha shifts)
};

__device__ float block_reduce(float value, bool is_max, float* shared) {
  for (int offset = 16; offset > 0; offset /= 2) {
    const float other = __shfl_down_sync(0xffffffffu, value, offset);
    value = is_max ? max2(value, other) : value + other;
  }
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  __syncthreads();  // shared may still be read by the previous reduction
  if (lane == 0) shared[warp] = value;
  __syncthreads();
  if (warp == 0) {
    value = lane < kThreads / 32 ? shared[lane] : (is_max ? kLogZero : 0.0f);
    for (int offset = 16; offset > 0; offset /= 2) {
      const float other = __shfl_down_sync(0xffffffffu, value, offset);
      value = is_max ? max2(value, other) : value + other;
    }
    if (lane == 0) shared[0] = value;
  }
  __syncthreads();
  return shared[0];
}

// Shifts row[0, n) to a maximum of 0; returns the shift (0 for a row of zero probabilities).
__device__ float normalise_row(float* row, int n, float* shared) {
  float m = kLogZero;
  for (int s = threadIdx.x; s < n; s += blockDim.x) m = max2(m, row[s]);
  m = block_reduce(m, true, shared);
  if (m < kLogZero / 2) return 0.0f;
  for (int s = threadIdx.x; s < n; s += blockDim.x) row[s] -= m;
  __syncthreads();
  return m;
}

__device__ void clear_row(float* padded, int width) {
  for (int s = threadIdx.x; s < width; s += blockDim.x) padded[s] = kLogZero;
  __syncthreads();
}

__global__ void log_softmax_kernel(CtcBatch b, const int64_t* frames, float* out, int first_u) {
  __shared__ float shared[kThreads / 32];
  const int u = first_u + blockIdx.y;
  const int t = blockIdx.x;
  if (t >= frames[u]) return;
  const int64_t at = t * b.time_stride + u * b.batch_stride;
  const float* x = b.inputs + at;
  float m = kLogZero;
  for (int c = threadIdx.x; c < b.alphabet; c += blockDim.x) m = max2(m, x[c]);
  m = block_reduce(m, true, shared);
  float sum = 0.0f;
  for (int c = threadIdx.x; c < b.alphabet; c += blockDim.x) sum += fast_exp(x[c] - m);
  sum = block_reduce(sum, false, shared);
  const float shift = m + logf(sum);
  for (int c = threadIdx.x; c < b.alphabet; c += blockDim.x) out[at + c] = x[c] - shift;
}

// First NaN among the frames read, as (utterance * max_time + frame) * alphabet + class; atomicMin
// on integers makes the reported position the same on every run.
__global__ void find_nan_kernel(CtcBatch b, const int64_t* frames, unsigned long long* first, int first_u) {
  const int u = first_u + blockIdx.y;
  for (int t = blockIdx.x; t < frames[u]; t += gridDim.x) {
    const float* row = b.inputs + t * b.time_stride + u * b.batch_stride;
    for (int c = threadIdx.x; c < b.alphabet; c += blockDim.x) {
      if (row[c] != row[c]) atomicMin(first, ((u * 1ull * b.max_time + t) * b.alphabet) + c);
    }
  }
}

struct GradientArgs {
  float* grad;  // null for the loss alone
  const float* scales;
  int zero_infinity;
};

__global__ void ctc_kernel(CtcBatch b, const float* log_probs, const UtteranceLayout* layouts, const int32_t* targets,
                           const int32_t* label_next, const int8_t* label_first, float* alpha_ws, float* rows_ws, double* offsets_ws,
                           double* log_likelihoods, GradientArgs g) {
  __shared__ float shared[kThreads / 32];
  const int u = blockIdx.x;
  const UtteranceLayout l = layouts[u];
  const int32_t* y = targets + l.targets;
  const int positions = ctc_positions(l.target_length), width = positions + 2 * kPad;
  const int64_t batch_offset = u * b.batch_stride;
  auto frame = [&](int t) { return log_probs + t * b.time_stride + batch_offset; };
  auto emission = [&](int t, int s) { return ctc_emission(frame(t), ctc_label(y, b.blank, s)); };
  float* alpha = alpha_ws + l.alpha;
  double* offsets = offsets_ws + l.offsets;

  // Forward.
  double log_likelihood;
  if (l.frames == 0) {
    log_likelihood = l.target_length == 0 ? 0.0 : -INFINITY;
  } else {
    float* cur = alpha + kPad;
    clear_row(alpha, width);
    for (int s = threadIdx.x; s < min(positions, 2); s += blockDim.x) cur[s] = emission(0, s);
    __syncthreads();
    double offset = normalise_row(cur, positions, shared);
    if (threadIdx.x == 0) offsets[0] = offset;
    for (int t = 1; t < l.frames; ++t) {
      const float* prev = cur;
      cur = alpha + int64_t{t} * width + kPad;
      clear_row(cur - kPad, width);
      for (int s = threadIdx.x; s < positions; s += blockDim.x) {
        cur[s] = ctc_step(prev[s], prev[s - 1], prev[s - 2] + ctc_skip_penalty(y, s), emission(t, s));
      }
      __syncthreads();
      offset += normalise_row(cur, positions, shared);
      if (threadIdx.x == 0) offsets[t] = offset;
    }
    const float tail = positions > 1 ? log_add(cur[positions - 1], cur[positions - 2]) : cur[0];
    log_likelihood = tail < kLogZero / 2 ? -INFINITY : offset + tail;
  }
  if (threadIdx.x == 0) log_likelihoods[u] = log_likelihood;
  if (g.grad == nullptr) return;

  float* grad = g.grad + batch_offset;
  const float scale = g.scales[u];
  if (isinf(log_likelihood)) {
    const float fill = g.zero_infinity ? 0.0f : NAN;
    for (int64_t i = threadIdx.x; i < int64_t{l.frames} * b.alphabet; i += blockDim.x) {
      grad[(i / b.alphabet) * b.time_stride + i % b.alphabet] = fill;
    }
    return;
  }

  // Backward: beta, occupancies normalised per frame, then the gradient row.
  float* beta[2] = {rows_ws + l.rows, rows_ws + l.rows + width};
  float* occupancy = rows_ws + l.rows + 2 * width;
  const float* next = nullptr;
  double offset = 0.0;
  for (int t = l.frames - 1; t >= 0; --t) {
    float* cur = beta[t & 1] + kPad;
    clear_row(cur - kPad, width);
    for (int s = threadIdx.x; s < positions; s += blockDim.x) {
      if (next == nullptr) {
        cur[s] = s >= positions - 2 ? emission(t, s) : kLogZero;
      } else {
        const float skip = s + 2 < positions ? ctc_skip_penalty(y, s + 2) : kLogZero;
        cur[s] = ctc_step(next[s], next[s + 1], next[s + 2] + skip, emission(t, s));
      }
    }
    __syncthreads();
    offset += normalise_row(cur, positions, shared);
    const float* a = alpha + int64_t{t} * width + kPad;
    const float shift = static_cast<float>(offsets[t] + offset - log_likelihood);
    float total = 0.0f;
    for (int s = threadIdx.x; s < positions; s += blockDim.x) {
      occupancy[s] = ctc_occupancy(a[s], cur[s], emission(t, s), shift);
      total += occupancy[s];
    }
    const float inv = 1.0f / block_reduce(total, false, shared);
    float* row = grad + t * b.time_stride;
    const float* lp = frame(t);
    for (int c = threadIdx.x; c < b.alphabet; c += blockDim.x) row[c] = ctc_gradient(lp[c], 0.0f, scale);
    float blank_mass = 0.0f;
    for (int s = threadIdx.x * 2; s < positions; s += 2 * blockDim.x) blank_mass += occupancy[s];
    blank_mass = block_reduce(blank_mass, false, shared);  // also orders the writes above
    // One thread per class: the first target of each label sums its chain of repeats.
    for (int i = threadIdx.x; i < l.target_length; i += blockDim.x) {
      if (!label_first[l.targets + i]) continue;
      float mass = 0.0f;
      for (int j = i; j >= 0; j = label_next[l.targets + j]) mass += occupancy[2 * j + 1];
      row[y[i]] -= scale * inv * mass;
    }
    if (threadIdx.x == 0) row[b.blank] -= scale * inv * blank_mass;
    __syncthreads();
    next = cur;
  }
}

void throw_nan(const CtcBatch& b, unsigned long long at, bool activations) {
  const unsigned long long c = at % b.alphabet, t = (at / b.alphabet) % b.max_time, u = at / b.alphabet / b.max_time;
  throw Error(CTC4J_INVALID_ARGUMENT, "utterance " + std::to_string(u) + ": " +
                                          (activations ? "activation" : "log-probability") + " at frame " +
                                          std::to_string(t) + ", class " + std::to_string(c) + " is NaN");
}

}  // namespace
}  // namespace ctc4j

using namespace ctc4j;

extern "C" {

int ctc4jcu_ctc_loss(const CtcBatch* batch, int device, int activations, int zero_infinity, float* losses,
                     const float* grad_scales, float* grad) {
  return guarded([&] {
    const CtcBatch& b = *batch;
    CTC4J_CUDA_CHECK(cudaSetDevice(device));
    cudaStream_t stream = cudaStreamPerThread;

    std::vector<UtteranceLayout> layouts(b.batch);
    std::vector<int32_t> targets, label_next;  // label_next: the next target with the same label, or -1
    std::vector<int8_t> label_first;            // 1 at the first target of each label
    std::vector<int64_t> frames(b.batch);
    int64_t alpha_size = 0, rows_size = 0, offsets_size = 0;
    for (int u = 0; u < b.batch; ++u) {
      const int length = static_cast<int>(b.target_lengths[u]);
      const int width = ctc_positions(length) + 2 * kPad;
      frames[u] = b.input_lengths[u];
      layouts[u] = UtteranceLayout{static_cast<int>(frames[u]), length, static_cast<int64_t>(targets.size()),
                                   alpha_size, rows_size, offsets_size};
      const int32_t* y = b.targets + b.target_offsets[u];
      for (int i = 0; i < length; ++i) {
        targets.push_back(y[i]);
        int next = -1;
        for (int j = i + 1; j < length && next < 0; ++j) next = y[j] == y[i] ? j : -1;
        label_next.push_back(next);
        label_first.push_back(std::find(y, y + i, y[i]) == y + i ? 1 : 0);
      }
      alpha_size += std::max<int64_t>(1, frames[u]) * width;
      rows_size += 3 * int64_t{width};
      offsets_size += std::max<int64_t>(1, frames[u]);
    }

    const DeviceBuffer<int64_t> d_frames(frames);
    const DeviceBuffer<unsigned long long> d_nan(1);
    CTC4J_CUDA_CHECK(cudaMemsetAsync(d_nan.get(), 0xff, sizeof(unsigned long long), stream));
    const unsigned max_time = static_cast<unsigned>(std::max(1, b.max_time));
    launch_rows(b.batch, [&](unsigned rows, int64_t first) {
      find_nan_kernel<<<dim3(std::min(max_time, 1024u), rows), kThreads, 0, stream>>>(b, d_frames.get(), d_nan.get(),
                                                                                       static_cast<int>(first));
    });
    unsigned long long nan_at = 0;
    d_nan.copy_to(&nan_at, 1);
    CTC4J_CUDA_CHECK(cudaStreamSynchronize(stream));
    if (nan_at != ~0ull) throw_nan(b, nan_at, activations != 0);

    const float* log_probs = b.inputs;
    DeviceBuffer<float> normalised;
    if (activations) {
      normalised = DeviceBuffer<float>(static_cast<size_t>(b.max_time) * b.batch * b.alphabet);
      launch_rows(b.batch, [&](unsigned rows, int64_t first) {
        log_softmax_kernel<<<dim3(max_time, rows), kThreads, 0, stream>>>(b, d_frames.get(), normalised.get(),
                                                                          static_cast<int>(first));
      });
      log_probs = normalised.get();
    }
    if (grad != nullptr) {
      CTC4J_CUDA_CHECK(
          cudaMemsetAsync(grad, 0, sizeof(float) * b.max_time * b.batch * static_cast<size_t>(b.alphabet), stream));
    }
    std::vector<float> scales(b.batch, 1.0f);
    if (grad_scales != nullptr) scales.assign(grad_scales, grad_scales + b.batch);
    const DeviceBuffer<float> d_scales(scales);
    const DeviceBuffer<UtteranceLayout> d_layouts(layouts);
    const DeviceBuffer<int32_t> d_targets(targets), d_label_next(label_next);
    const DeviceBuffer<int8_t> d_label_first(label_first);
    const DeviceBuffer<float> d_alpha(alpha_size), d_rows(rows_size);
    const DeviceBuffer<double> d_offsets(offsets_size), d_likelihoods(b.batch);
    ctc_kernel<<<b.batch, kThreads, 0, stream>>>(b, log_probs, d_layouts.get(), d_targets.get(), d_label_next.get(),
                                                 d_label_first.get(), d_alpha.get(), d_rows.get(), d_offsets.get(),
                                                 d_likelihoods.get(), GradientArgs{grad, d_scales.get(), zero_infinity});
    CTC4J_CUDA_CHECK_LAUNCH();
    std::vector<double> likelihoods(b.batch);
    d_likelihoods.copy_to(likelihoods.data(), b.batch);
    CTC4J_CUDA_CHECK(cudaStreamSynchronize(stream));
    for (int u = 0; u < b.batch; ++u) {
      losses[u] = std::isinf(likelihoods[u]) ? (zero_infinity ? 0.0f : std::numeric_limits<float>::infinity())
                                             : static_cast<float>(-likelihoods[u]);
    }
  });
}

}  // extern "C"
