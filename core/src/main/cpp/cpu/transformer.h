// CPU transformer blocks over time-major activations x[steps, channels] (ctc4j/transformer.h),
// over inputs validated by api/transformer.cpp.
#pragma once
#include <cstdint>

namespace ctc4j::cpu {

// Output frames of a conv1d; throws Error naming the sizes when the padded input is too short.
int64_t conv1d_steps(int64_t steps, int64_t kernel, int64_t stride, int64_t padding);

struct Conv1d {
  int64_t steps, in, out, kernel, stride, padding, groups, out_steps;
  int64_t group_in() const { return in / groups; }
  int64_t group_out() const { return out / groups; }
  int64_t patch() const { return group_in() * kernel; }  // one group's weight row: (channel, tap) pairs
};

// w_packed: w packed kernel-major once (handles/packed_weights.h: each group's panels in turn), or null.
void conv1d(const Conv1d& c, const float* x, const float* w, const float* w_packed, const float* bias, float* y);
void group_norm(const float* x, int64_t steps, int64_t channels, int64_t groups, const float* gamma,
                const float* beta, float eps, bool gelu, float* y);
void gelu(const float* x, const float* residual, float* y, int64_t n);
void attention(int64_t steps, int64_t heads, int64_t dim, float scale, const float* q, int64_t ld_q, const float* k,
               int64_t ld_k, const float* v, int64_t ld_v, float* out, int64_t ld_out);

}  // namespace ctc4j::cpu
