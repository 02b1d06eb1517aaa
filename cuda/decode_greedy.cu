// CUDA greedy decoding: one warp per frame finds the most probable class; the host collapses the
// paths (cpu/decode_greedy.cpp). Also the emissions check both GPU decoders run first.
#include <algorithm>
#include <climits>

#include "check.cuh"
#include "cuda_bridge/exports/decode.h"

namespace ctc4j {
namespace {

constexpr int kWarpsPerBlock = 8;
constexpr int kThreads = 256;
constexpr int64_t kCheckBlocks = 4096;  // enough to fill any device; blocks stride over the rows

// The first invalid value's index (b * max_frames + t) * classes + c: atomicMin on the index makes
// the reported value the same on every run, whatever the order blocks run in.
__global__ void find_invalid_kernel(const float* emissions, const int64_t* lengths, int batch, int64_t max_frames,
                                    int classes, bool log_probs, unsigned long long* first) {
  for (int64_t row = blockIdx.x; row < batch * max_frames; row += gridDim.x) {
    if (row % max_frames >= lengths[row / max_frames]) continue;
    const float* x = emissions + row * classes;
    for (int c = threadIdx.x; c < classes; c += blockDim.x) {
      if (!valid_emission(x[c], log_probs)) atomicMin(first, static_cast<unsigned long long>(row * classes + c));
    }
  }
}

__global__ void argmax_kernel(const float* emissions, const int64_t* lengths, int64_t max_frames, int classes,
                              int32_t* best, float* value, int first_b) {
  const int b = first_b + blockIdx.y;
  const int64_t t = static_cast<int64_t>(blockIdx.x) * kWarpsPerBlock + threadIdx.x / 32;
  if (t >= lengths[b]) return;
  const float* row = emissions + (b * max_frames + t) * classes;
  float v = -INFINITY;
  int arg = INT_MAX;  // no class seen yet
  for (int c = threadIdx.x % 32; c < classes; c += 32) {
    if (row[c] > v || arg == INT_MAX) v = row[c], arg = c;
  }
  for (int offset = 16; offset > 0; offset /= 2) {  // ties go to the lower class, as on the CPU
    const float ov = __shfl_down_sync(0xffffffffu, v, offset);
    const int oa = __shfl_down_sync(0xffffffffu, arg, offset);
    if (ov > v || (ov == v && oa < arg)) v = ov, arg = oa;
  }
  if (threadIdx.x % 32 == 0) best[b * max_frames + t] = arg, value[b * max_frames + t] = v;
}

}  // namespace
}  // namespace ctc4j

using namespace ctc4j;

extern "C" {

int ctc4jcu_find_invalid_emission(int device, const float* emissions, const int64_t* lengths, int batch,
                                  int64_t max_frames, int classes, int log_probs, int64_t* index, float* value) {
  return guarded([&] {
    *index = -1;
    const int64_t rows = static_cast<int64_t>(batch) * max_frames;
    if (rows == 0) return;
    CTC4J_CUDA_CHECK(cudaSetDevice(device));
    cudaStream_t stream = cudaStreamPerThread;
    const DeviceBuffer<int64_t> d_lengths(lengths, batch);
    const DeviceBuffer<unsigned long long> d_first(1);
    CTC4J_CUDA_CHECK(cudaMemsetAsync(d_first.get(), 0xff, sizeof(unsigned long long), stream));
    find_invalid_kernel<<<static_cast<unsigned>(std::min(rows, kCheckBlocks)), kThreads, 0, stream>>>(
        emissions, d_lengths.get(), batch, max_frames, classes, log_probs != 0, d_first.get());
    CTC4J_CUDA_CHECK_LAUNCH();
    unsigned long long first = 0;
    d_first.copy_to(&first, 1);
    CTC4J_CUDA_CHECK(cudaStreamSynchronize(stream));
    if (first == ~0ull) return;
    *index = static_cast<int64_t>(first);
    CTC4J_CUDA_CHECK(cudaMemcpy(value, emissions + first, sizeof(float), cudaMemcpyDeviceToHost));
  });
}

int ctc4jcu_argmax_frames(int device, const float* emissions, const int64_t* lengths, int batch, int64_t max_frames,
                          int classes, int32_t* best, float* value) {
  return guarded([&] {
    CTC4J_CUDA_CHECK(cudaSetDevice(device));
    cudaStream_t stream = cudaStreamPerThread;
    const size_t cells = static_cast<size_t>(batch) * max_frames;
    const DeviceBuffer<int64_t> d_lengths(lengths, batch);
    const DeviceBuffer<int32_t> d_best(cells);
    const DeviceBuffer<float> d_value(cells);
    if (max_frames > 0) {
      const unsigned frame_blocks = grid_x((max_frames + kWarpsPerBlock - 1) / kWarpsPerBlock);
      launch_rows(batch, [&](unsigned rows, int64_t first) {
        argmax_kernel<<<dim3(frame_blocks, rows), 32 * kWarpsPerBlock, 0, stream>>>(
            emissions, d_lengths.get(), max_frames, classes, d_best.get(), d_value.get(), static_cast<int>(first));
      });
    }
    d_best.copy_to(best, cells);
    d_value.copy_to(value, cells);
    CTC4J_CUDA_CHECK(cudaStreamSynchronize(stream));
  });
}

}  // extern "C"
