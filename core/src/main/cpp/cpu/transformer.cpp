// CPU transformer blocks over time-major activations: conv1d (blocked im2col + sgemm, or patches read
// in place against weights packed once), group norm, GELU and fused multi-head attention. See
// ctc4j/transformer.h.
#include "cpu/transformer.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "common/transformer_math.h"
#include "cpu/nn_blas.h"
#include "cpu/nn_packed.h"
#include "cpu/transformer_kernel.h"
#include "support/error.h"
#include "support/parallel.h"
#include "support/scratch.h"

namespace ctc4j::cpu {
namespace {

constexpr int64_t kColumnBudget = 1 << 21;  // floats of im2col per block (8 MB): bounded for any length
constexpr int64_t kQueryBlock = 48;          // query rows per attention task (eight register tiles)
constexpr int64_t kKeyBlock = 128;           // keys per online-softmax step (a multiple of the column group)
constexpr int64_t kStatRows = 512;           // rows per partial sum of the group-norm statistics


// body(begin, end) over [0, rows) in blocks of about `work` elements of `row_size` each, on the pool.
template <class Body>
void for_row_blocks(int64_t rows, int64_t row_size, Body&& body) {
  parallel_chunks(rows, nn::rows_per_task(row_size), body);
}

// col[t - t0][c * kernel + k] = x[t * stride + k - padding][first + c] for t in [t0, t1), zero outside
// the input: the patch order of PyTorch's weight rows, so the weights are used as they are.
void im2col(const Conv1d& c, const float* x, int64_t first, int64_t t0, int64_t t1, float* col) {
  for_row_blocks(t1 - t0, c.patch(), [&](int64_t begin, int64_t end) {
    for (int64_t t = t0 + begin; t < t0 + end; ++t) {
      float* row = col + (t - t0) * c.patch();
      for (int64_t k = 0; k < c.kernel; ++k) {
        const int64_t at = t * c.stride + k - c.padding;
        if (at < 0 || at >= c.steps) {
          for (int64_t ch = 0; ch < c.group_in(); ++ch) row[ch * c.kernel + k] = 0.0f;
          continue;
        }
        const float* src = x + at * c.in + first;
        for (int64_t ch = 0; ch < c.group_in(); ++ch) row[ch * c.kernel + k] = src[ch];
      }
    }
  });
}

// The per-channel affine maps that apply group norm (common/transformer_math.h), as three arrays.
struct GroupNormAffines {
  std::vector<float> centre, scale, shift;
};

GroupNormAffines group_norm_affines(const float* x, int64_t steps, int64_t channels, int64_t groups,
                                    const float* gamma, const float* beta, float eps) {
  const int64_t blocks = std::max<int64_t>(1, (steps + kStatRows - 1) / kStatRows);
  std::vector<double> sums(blocks * channels * 2, 0.0);  // per block: sums, then sums of squares
  parallel_for(blocks, [&](int64_t b) {
    double* sum = sums.data() + b * channels * 2;
    double* sum_sq = sum + channels;
    for (int64_t t = b * kStatRows; t < std::min(steps, (b + 1) * kStatRows); ++t) {
      const float* row = x + t * channels;
      for (int64_t c = 0; c < channels; ++c) sum[c] += row[c], sum_sq[c] += double(row[c]) * row[c];
    }
  });
  const int64_t group_channels = channels / groups;
  GroupNormAffines out{std::vector<float>(channels), std::vector<float>(channels), std::vector<float>(channels)};
  for (int64_t g = 0; g < groups; ++g) {
    double sum = 0, sum_sq = 0;
    for (int64_t b = 0; b < blocks; ++b) {
      for (int64_t c = g * group_channels; c < (g + 1) * group_channels; ++c) {
        sum += sums[b * channels * 2 + c];
        sum_sq += sums[b * channels * 2 + channels + c];
      }
    }
    for (int64_t c = g * group_channels; c < (g + 1) * group_channels; ++c) {
      const GroupNormAffine a = group_norm_affine(sum, sum_sq, double(steps) * group_channels, eps,
                                                  gamma ? gamma[c] : 1.0f, beta ? beta[c] : 0.0f);
      out.centre[c] = a.centre, out.scale[c] = a.scale, out.shift[c] = a.shift;
    }
  }
  return out;
}

// conv1d over weights packed once: frame t's patch of group g is the rows t * stride .. + kernel of the
// group's channels, kernel-major as the packing, read in place from x for one group without padding,
// otherwise from a zero-padded copy of x with the groups one after another [groups][padded steps]
// [group_in] (wav2vec2's positional conv: 1.6 MB, where im2col writes 196 MB).
void conv1d_packed(const Conv1d& c, const float* x, const float* w_packed, float* y) {
  if (c.groups == 1 && c.padding == 0) {
    return packed_product(c.out_steps, c.patch(), c.out, x, c.stride * c.in, w_packed, y, c.out);
  }
  const int64_t padded = c.steps + 2 * c.padding, gin = c.group_in();
  ScratchFrame scratch;
  float* xg = scratch.take<float>(c.groups * padded * gin);
  parallel_for(c.groups, [&](int64_t g) {
    float* dst = xg + g * padded * gin;
    std::fill(dst, dst + c.padding * gin, 0.0f);
    for (int64_t t = 0; t < c.steps; ++t) std::copy_n(x + t * c.in + g * gin, gin, dst + (c.padding + t) * gin);
    std::fill(dst + (c.padding + c.steps) * gin, dst + padded * gin, 0.0f);
  });
  const int64_t group_floats = packed_floats(c.patch(), c.group_out());
  for (int64_t g = 0; g < c.groups; ++g) {
    packed_product(c.out_steps, c.patch(), c.group_out(), xg + g * padded * gin, c.stride * gin,
                   w_packed + g * group_floats, y + g * c.group_out(), c.out);
  }
}

}  // namespace

int64_t conv1d_steps(int64_t steps, int64_t kernel, int64_t stride, int64_t padding) {
  require(steps >= 0 && kernel > 0 && stride > 0 && padding >= 0,
          "conv1d needs steps >= 0, kernel and stride > 0 and padding >= 0");
  require(steps + 2 * padding >= kernel, "conv1d input of " + std::to_string(steps) + " frames (padding " +
                                             std::to_string(padding) + ") is shorter than the kernel of " +
                                             std::to_string(kernel));
  return (steps + 2 * padding - kernel) / stride + 1;
}

void conv1d(const Conv1d& c, const float* x, const float* w, const float* w_packed, const float* bias, float* y) {
  for_row_blocks(c.out_steps, c.out, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      if (bias != nullptr) std::copy(bias, bias + c.out, y + t * c.out);
      else std::fill(y + t * c.out, y + (t + 1) * c.out, 0.0f);
    }
  });
  // prepacked_serves's depth, without its width bound: im2col's copy is saved too (see conv1d_packed)
  if (w_packed != nullptr && c.patch() >= kPrepackedDepth) return conv1d_packed(c, x, w_packed, y);
  const int64_t block = std::clamp<int64_t>(kColumnBudget / c.patch(), 1, std::max<int64_t>(1, c.out_steps));
  ScratchFrame scratch;
  float* col = scratch.take<float>(block * c.patch());
  for (int64_t t0 = 0; t0 < c.out_steps; t0 += block) {
    const int64_t t1 = std::min(c.out_steps, t0 + block);
    for (int64_t g = 0; g < c.groups; ++g) {
      im2col(c, x, g * c.group_in(), t0, t1, col);
      nn::gemm(false, true, t1 - t0, c.group_out(), c.patch(), 1.0f, col, c.patch(), w + g * c.group_out() * c.patch(),
               c.patch(), 1.0f, y + t0 * c.out + g * c.group_out(), c.out);
    }
  }
}

void group_norm(const float* x, int64_t steps, int64_t channels, int64_t groups, const float* gamma,
                const float* beta, float eps, bool gelu, float* y) {
  const GroupNormAffines a = group_norm_affines(x, steps, channels, groups, gamma, beta, eps);
  parallel_for(steps, [&](int64_t t) {
    CTC4J_SIMD_DISPATCH(group_norm_row)(x + t * channels, a.centre.data(), a.scale.data(), a.shift.data(), channels,
                                        gelu, y + t * channels);
  });
}

void gelu(const float* x, const float* residual, float* y, int64_t n) {
  parallel_chunks(n, int64_t{1} << 14, [&](int64_t begin, int64_t end) {
    CTC4J_SIMD_DISPATCH(gelu_add)(x + begin, residual ? residual + begin : nullptr, y + begin, end - begin);
  });
}

void attention(int64_t steps, int64_t heads, int64_t dim, float scale, const float* q, int64_t ld_q, const float* k,
               int64_t ld_k, const float* v, int64_t ld_v, float* out, int64_t ld_out) {
  // Every head's keys transposed once, [heads][dim][ld_kt] with zeros past steps, for the score tiles of
  // all query blocks (transposing each key block for each query block did it steps / 48 times over).
  const int64_t ld_kt = attention_padded_columns(steps);
  ScratchFrame shared;
  float* kt_all = shared.take<float>(heads * dim * ld_kt);
  parallel_for(heads, [&](int64_t h) {
    float* kt = kt_all + h * dim * ld_kt;
    // 16 keys at a time, so that each row of kt gets a whole line at once (key by key, every float went
    // to a line of its own: 2.8 % of a wav2vec2 pass)
    for (int64_t j0 = 0; j0 < steps; j0 += 16) {
      const int64_t j1 = std::min(steps, j0 + 16);
      for (int64_t d = 0; d < dim; ++d)
        for (int64_t j = j0; j < j1; ++j) kt[d * ld_kt + j] = k[j * ld_k + h * dim + d];
    }
    for (int64_t d = 0; d < dim; ++d) std::fill(kt + d * ld_kt + steps, kt + (d + 1) * ld_kt, 0.0f);
  });
  const int64_t query_blocks = (steps + kQueryBlock - 1) / kQueryBlock;
  parallel_for(heads * query_blocks, [&](int64_t task) {
    const int64_t h = task / query_blocks, i0 = (task % query_blocks) * kQueryBlock;
    const int64_t rows = std::min(kQueryBlock, steps - i0);
    ScratchFrame scratch;
    float* qs = scratch.take<float>(kQueryBlock * dim * 2 + kQueryBlock * kKeyBlock +
                                    2 * kQueryBlock);  // [rows, dim] scaled queries
    float* o = qs + kQueryBlock * dim;      // [rows, dim] running output
    float* s = o + kQueryBlock * dim;       // [rows, padded] scores, then probabilities
    float* max = s + kQueryBlock * kKeyBlock;
    float* sum = max + kQueryBlock;
    for (int64_t i = 0; i < rows; ++i) {
      const float* src = q + (i0 + i) * ld_q + h * dim;
      for (int64_t d = 0; d < dim; ++d) qs[i * dim + d] = src[d] * scale;
      max[i] = -INFINITY;
      sum[i] = 0.0f;
    }
    std::fill(o, o + rows * dim, 0.0f);
    for (int64_t j0 = 0; j0 < steps; j0 += kKeyBlock) {
      const int64_t cols = std::min(kKeyBlock, steps - j0);
      const int64_t padded = attention_padded_columns(cols);
      CTC4J_SIMD_DISPATCH(attention_scores)(qs, rows, dim, kt_all + h * dim * ld_kt + j0, ld_kt, padded, s);
      CTC4J_SIMD_DISPATCH(attention_softmax_block)(s, rows, cols, padded, max, sum, o, dim);
      CTC4J_SIMD_DISPATCH(attention_accumulate)(s, rows, cols, padded, v + j0 * ld_v + h * dim, ld_v, dim, o);
    }
    for (int64_t i = 0; i < rows; ++i) {
      float* dst = out + (i0 + i) * ld_out + h * dim;
      const float inv = 1.0f / sum[i];
      for (int64_t d = 0; d < dim; ++d) dst[d] = o[i * dim + d] * inv;
    }
  });
}

}  // namespace ctc4j::cpu
