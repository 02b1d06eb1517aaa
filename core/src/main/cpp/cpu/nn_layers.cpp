// CPU layers other than the recurrent ones: linear, convolution (im2col + sgemm), batch and layer
// norm, activations, dropout, log-softmax and small elementwise helpers. See ctc4j/nn.h.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "common/nn_math.h"
#include "support/error.h"
#include "cpu/conv_kernel.h"
#include "cpu/nn_blas.h"
#include "support/parallel.h"
#include "support/scratch.h"
#include "cpu/nn_layers.h"
#include "cpu/nn_packed.h"
#include "cpu/transformer.h"
#include "ctc4j/nn.h"

namespace ctc4j::cpu {

using nn::gemm;

namespace {

constexpr int64_t kChunk = 1 << 14;

// body(begin, end) over [0, n) in chunks on the thread pool.
template <class Body>
void for_chunks(int64_t n, Body&& body) {
  parallel_chunks(n, kChunk, body);
}


// ---- convolution -------------------------------------------------------------------------------



// col[(c * kh + i) * kw + j][oh * out_w + ow] = x[c][oh * sh - ph + i * dh][ow * sw - pw + j * dw].
void im2col(const ConvGeometry& g, const float* x, float* col) {
  parallel_for(g.channels * g.kh, [&](int64_t ci) {
    const int64_t c = ci / g.kh, i = ci % g.kh;
    for (int64_t j = 0; j < g.kw; ++j) {
      float* out = col + (ci * g.kw + j) * g.out_plane();
      for (int64_t oh = 0; oh < g.out_h; ++oh) {
        const int64_t h = g.input_row(oh, i);
        float* row = out + oh * g.out_w;
        if (h < 0 || h >= g.height) {
          std::fill(row, row + g.out_w, 0.0f);
          continue;
        }
        const float* src = x + (c * g.height + h) * g.width;
        for (int64_t ow = 0; ow < g.out_w; ++ow) {
          const int64_t w = g.input_col(ow, j);
          row[ow] = w >= 0 && w < g.width ? src[w] : 0.0f;
        }
      }
    }
  });
}

// The adjoint of im2col: dx[c] += the column entries that read it (one channel per task).
void col2im(const ConvGeometry& g, const float* col, float* dx) {
  parallel_for(g.channels, [&](int64_t c) {
    float* plane = dx + c * g.height * g.width;
    std::fill(plane, plane + g.height * g.width, 0.0f);
    for (int64_t i = 0; i < g.kh; ++i) {
      for (int64_t j = 0; j < g.kw; ++j) {
        const float* in = col + ((c * g.kh + i) * g.kw + j) * g.out_plane();
        for (int64_t oh = 0; oh < g.out_h; ++oh) {
          const int64_t h = g.input_row(oh, i);
          if (h < 0 || h >= g.height) continue;
          float* dst = plane + h * g.width;
          for (int64_t ow = 0; ow < g.out_w; ++ow) {
            const int64_t w = g.input_col(ow, j);
            if (w >= 0 && w < g.width) dst[w] += in[oh * g.out_w + ow];
          }
        }
      }
    }
  });
}

// From this k x n the product packs its column tiles (cpu/conv_kernel.h). DeepSpeech2's 21x11 conv
// (k 7,392) at 1 thread, in place against packed: 70 frames (n 1,600) 4.0 against 4.2 ms, 100 frames
// 6.4 against 5.8 ms, 501 frames 37.9 against 27.3 ms. In place is ahead for its 41x11 conv (k 451;
// 16 and 501 frames, 3.6 against 3.8 ms) and for ResCNN's 3x3 (k 288; 16 and 501 frames).
constexpr int64_t kPackTilesFrom = int64_t{12} << 20;

// c = a[m, k] B over the columns of `columns`, row kk of B at b + offsets[kk] (cpu/conv_kernel.h),
// tiles over the pool.
void conv_product(int64_t m, int64_t k, const float* a, const float* b, const int64_t* offsets,
                  const ConvColumns& columns, float* c, int64_t ldc) {
  const bool pack_tiles = k * columns.runs * columns.stride >= kPackTilesFrom;
  const int64_t segments = columns.segments(), tiles = (segments + kConvTileSegments - 1) / kConvTileSegments;
  const int64_t tasks = std::min<int64_t>(tiles, 4 * usable_threads());
  if (tasks == 0) return;
  const int64_t per_task = (tiles + tasks - 1) / tasks * kConvTileSegments;
  parallel_for(tasks, [&](int64_t t) {
    const int64_t begin = t * per_task, end = std::min(segments, begin + per_task);
    if (begin < end) {
      CTC4J_SIMD_DISPATCH(gemm_row_offsets)(m, k, a, k, b, offsets, columns, begin, end, c, ldc, pack_tiles);
    }
  });
}

// The general path: one im2col matrix [channels * kh * kw, out_h * out_w] per utterance.
void conv_forward_im2col(const ConvGeometry& g, const float* x, const float* w, float* y) {
  ScratchFrame scratch;
  float* col = scratch.take<float>(g.channels * g.kh * g.kw * g.out_plane());
  int64_t* offsets = scratch.take<int64_t>(g.patch());
  for (int64_t kk = 0; kk < g.patch(); ++kk) offsets[kk] = kk * g.out_plane();
  const int64_t in_size = g.channels * g.height * g.width, out_size = g.out_channels * g.out_plane();
  for (int64_t n = 0; n < g.batch; ++n) {
    im2col(g, x + n * in_size, col);
    for (int64_t k = 0; k < g.groups; ++k) {
      conv_product(g.group_out(), g.patch(), w + k * g.group_out() * g.patch(), col + k * g.patch() * g.out_plane(),
                   offsets, ConvColumns{1, g.out_plane(), g.out_plane()},
                   y + n * out_size + k * g.group_out() * g.out_plane(), g.out_plane());
    }
  }
}

void conv_backward_im2col(const ConvGeometry& g, const float* x, const float* w, const float* dy, float* dx,
                          float* dw) {
  ScratchFrame scratch;
  float* col = scratch.take<float>(g.channels * g.kh * g.kw * g.out_plane());
  const int64_t in_size = g.channels * g.height * g.width, out_size = g.out_channels * g.out_plane();
  for (int64_t n = 0; n < g.batch; ++n) {
    const float* dy_n = dy + n * out_size;
    if (dw != nullptr) {
      im2col(g, x + n * in_size, col);
      for (int64_t k = 0; k < g.groups; ++k) {
        gemm(false, true, g.group_out(), g.patch(), g.out_plane(), 1.0f, dy_n + k * g.group_out() * g.out_plane(),
             g.out_plane(), col + k * g.patch() * g.out_plane(), g.out_plane(), 1.0f,
             dw + k * g.group_out() * g.patch(), g.patch());
      }
    }
    if (dx != nullptr) {
      for (int64_t k = 0; k < g.groups; ++k) {
        gemm(true, false, g.patch(), g.out_plane(), g.group_out(), 1.0f, w + k * g.group_out() * g.patch(),
             g.patch(), dy_n + k * g.group_out() * g.out_plane(), g.out_plane(), 0.0f,
             col + k * g.patch() * g.out_plane(), g.out_plane());
      }
      col2im(g, col, dx + n * in_size);
    }
  }
}

// Shifted columns: kernel column j reads the input rows kernel column 0 reads, j * dw further along
// the (zero-padded) width Wp. With width stride sw, split each padded input row into sw phases (the
// columns u with u % sw = p), each laid over out_h rows of Wq = ceil(Wp / sw) positions: then output
// column ow, kernel column j reads phase (j * dw) % sw at position ow + (j * dw) / sw. So the column
// matrix needs sw rows per (channel, kernel row) instead of im2col's kw, and kernel column j reads
// its rows in place at a shift (forward) or through kw GEMMs (backward). Each output row is computed
// over all Wq positions; those past out_w are discarded (forward) or given a zero gradient
// (backward). Over 10 s, DeepSpeech2's 21x11 conv (stride 1) reads 27.5 MB of columns where im2col
// wrote 296 MB, and its 41x11 stride-2 conv 6.6 MB where im2col wrote 36 MB.
struct ShiftedColumns {
  int64_t phase_width;  // Wq = ceil(Wp / sw): one output row of the products
  int64_t positions;    // out_h * Wq: the GEMMs' N
  int64_t row_length;   // positions + (kw - 1) * dw / sw: the last shift reads this far
  int64_t rows;         // group_channels * kh: one group's K is rows * kw
  int64_t phases;       // sw: column-matrix rows per (channel, kernel row)
  int64_t dw;
  // Where kernel column j's row of (channel, kernel row) r sits in the column matrix, in floats; its
  // rows for successive r lie phases * row_length apart.
  int64_t at(int64_t r, int64_t j) const { return (r * phases + j * dw % phases) * row_length + j * dw / phases; }
};

// Where the phases cover the columns the kernel reads: unit stride, or every phase read by some
// kernel column (no dilation, stride at most the kernel width); otherwise im2col.
bool uses_shifted_columns(const ConvGeometry& g) { return g.sw == 1 || (g.dw == 1 && g.sw <= g.kw); }

ShiftedColumns shifted_columns(const ConvGeometry& g) {
  const int64_t wq = (g.width + 2 * g.pw + g.sw - 1) / g.sw;
  return {wq, g.out_h * wq, g.out_h * wq + (g.kw - 1) * g.dw / g.sw, g.group_channels() * g.kh, g.sw, g.dw};
}

// The positions [begin, end) of phase p that hold input columns (u = q * sw + p - pw in [0, width)).
struct PhaseSpan {
  int64_t begin, end;
};
PhaseSpan phase_span(const ConvGeometry& g, const ShiftedColumns& s, int64_t p) {
  auto first_at_least = [&](int64_t u) { return u <= p ? 0 : (u - p + g.sw - 1) / g.sw; };
  return {std::min(s.phase_width, first_at_least(g.pw)), std::min(s.phase_width, first_at_least(g.pw + g.width))};
}

// cols[((c * kh + i) * sw + p) * L + oh * Wq + q] = x[c][oh * sh - ph + i * dh][q * sw + p - pw] (zero
// outside x).
void shifted_im2col(const ConvGeometry& g, const ShiftedColumns& s, const float* x, float* cols) {
  parallel_for(g.channels * g.kh * s.phases, [&](int64_t cip) {
    const int64_t c = cip / (g.kh * s.phases), i = cip / s.phases % g.kh, p = cip % s.phases;
    const PhaseSpan span = phase_span(g, s, p);
    float* row = cols + cip * s.row_length;
    std::fill(row + s.positions, row + s.row_length, 0.0f);
    for (int64_t oh = 0; oh < g.out_h; ++oh) {
      float* dst = row + oh * s.phase_width;
      const int64_t h = g.input_row(oh, i);
      if (h < 0 || h >= g.height) {
        std::fill(dst, dst + s.phase_width, 0.0f);
        continue;
      }
      const float* src = x + (c * g.height + h) * g.width;  // position q reads src[q * sw + p - pw]
      std::fill(dst, dst + span.begin, 0.0f);
      if (g.sw == 1) {
        std::copy(src + span.begin - g.pw, src + span.end - g.pw, dst + span.begin);
      } else {
        for (int64_t q = span.begin; q < span.end; ++q) dst[q] = src[q * g.sw + p - g.pw];
      }
      std::fill(dst + span.end, dst + s.phase_width, 0.0f);
    }
  });
}

// The adjoint of shifted_im2col: dx[c] = the sum of the column entries that read it (one channel per task).
void shifted_col2im(const ConvGeometry& g, const ShiftedColumns& s, const float* cols, float* dx) {
  parallel_for(g.channels, [&](int64_t c) {
    float* plane = dx + c * g.height * g.width;
    std::fill(plane, plane + g.height * g.width, 0.0f);
    for (int64_t i = 0; i < g.kh; ++i) {
      for (int64_t p = 0; p < s.phases; ++p) {
        const PhaseSpan span = phase_span(g, s, p);
        const float* row = cols + ((c * g.kh + i) * s.phases + p) * s.row_length;
        for (int64_t oh = 0; oh < g.out_h; ++oh) {
          const int64_t h = g.input_row(oh, i);
          if (h < 0 || h >= g.height) continue;
          const float* src = row + oh * s.phase_width;
          float* dst = plane + h * g.width;
          for (int64_t q = span.begin; q < span.end; ++q) dst[q * g.sw + p - g.pw] += src[q];
        }
      }
    }
  });
}

// Weights [out, group_channels, kh, kw] regrouped by kernel column: by_column[(j * out + oc) * rows
// + c * kh + i] = w[oc][c][i][j], so kernel column j of a group is a row-major [group_out, rows] operand.
void weights_by_column(const ConvGeometry& g, const ShiftedColumns& s, const float* w, float* by_column) {
  for (int64_t oc = 0; oc < g.out_channels; ++oc)
    for (int64_t r = 0; r < s.rows; ++r)
      for (int64_t j = 0; j < g.kw; ++j)
        by_column[(j * g.out_channels + oc) * s.rows + r] = w[(oc * s.rows + r) * g.kw + j];
}

// The GEMM operands of kernel column j and group k.
const float* column_weights(const ConvGeometry& g, const ShiftedColumns& s, const float* by_column, int64_t j,
                            int64_t k) {
  return by_column + (j * g.out_channels + k * g.group_out()) * s.rows;
}
int64_t column_offset(const ShiftedColumns& s, int64_t j, int64_t k) { return s.at(k * s.rows, j); }

// The positions a shifted-column product computes: all of them in one run, or only each output row's
// first out_w, where that takes fewer 16-column segments (DeepSpeech2's 21x11 conv over a 32-frame
// chunk, out_w 16 of Wq 26: 1.44 -> 0.86 ms).
ConvColumns product_columns(const ConvGeometry& g, const ShiftedColumns& s) {
  const ConvColumns all{1, s.positions, s.positions}, rows{g.out_h, s.phase_width, g.out_w};
  return rows.segments() < all.segments() ? rows : all;
}

// One product per group over all kernel columns: row (r, j) of its column matrix is kernel column j's
// shifted row of r (ShiftedColumns::at), read in place, and the weights are w as laid out.
void conv_forward_shifted(const ConvGeometry& g, const float* x, const float* w, float* y) {
  const ShiftedColumns s = shifted_columns(g);
  ScratchFrame scratch;
  float* cols = scratch.take<float>(g.channels * g.kh * s.phases * s.row_length);
  float* wide = scratch.take<float>(g.out_channels * s.positions);  // [out, out_h, Wq]
  int64_t* offsets = scratch.take<int64_t>(g.patch());  // patch = rows * kw
  for (int64_t r = 0; r < s.rows; ++r)
    for (int64_t j = 0; j < g.kw; ++j) offsets[r * g.kw + j] = s.at(r, j);
  const int64_t in_size = g.channels * g.height * g.width, out_size = g.out_channels * g.out_plane();
  for (int64_t n = 0; n < g.batch; ++n) {
    shifted_im2col(g, s, x + n * in_size, cols);
    for (int64_t k = 0; k < g.groups; ++k) {
      conv_product(g.group_out(), g.patch(), w + k * g.group_out() * g.patch(), cols + s.at(k * s.rows, 0), offsets,
                   product_columns(g, s), wide + k * g.group_out() * s.positions, s.positions);
    }
    float* y_n = y + n * out_size;
    parallel_for(g.out_channels * g.out_h, [&](int64_t row) {
      std::copy_n(wide + row * s.phase_width, g.out_w, y_n + row * g.out_w);
    });
  }
}

void conv_backward_shifted(const ConvGeometry& g, const float* x, const float* w, const float* dy, float* dx,
                           float* dw) {
  const ShiftedColumns s = shifted_columns(g);
  ScratchFrame scratch;
  float* cols = scratch.take<float>(g.channels * g.kh * s.phases * s.row_length);  // x's columns, then dx's
  float* by_column = scratch.take<float>(g.out_channels * s.rows * g.kw);
  float* wide = scratch.take<float>(g.out_channels * s.positions);  // dy over [out, out_h, Wq]
  float* dw_by_column = scratch.take<float>(g.out_channels * s.rows * g.kw);
  weights_by_column(g, s, w, by_column);
  std::fill(dw_by_column, dw_by_column + g.out_channels * s.rows * g.kw, 0.0f);
  const int64_t in_size = g.channels * g.height * g.width, out_size = g.out_channels * g.out_plane();
  for (int64_t n = 0; n < g.batch; ++n) {
    const float* dy_n = dy + n * out_size;
    parallel_for(g.out_channels * g.out_h, [&](int64_t row) {
      float* dst = wide + row * s.phase_width;
      std::copy_n(dy_n + row * g.out_w, g.out_w, dst);
      std::fill(dst + g.out_w, dst + s.phase_width, 0.0f);
    });
    if (dw != nullptr) {
      shifted_im2col(g, s, x + n * in_size, cols);
      for (int64_t j = 0; j < g.kw; ++j) {
        for (int64_t k = 0; k < g.groups; ++k) {
          gemm(false, true, g.group_out(), s.rows, s.positions, 1.0f, wide + k * g.group_out() * s.positions,
               s.positions, cols + column_offset(s, j, k), s.phases * s.row_length, 1.0f,
               dw_by_column + (j * g.out_channels + k * g.group_out()) * s.rows, s.rows);
        }
      }
    }
    if (dx != nullptr) {
      std::fill(cols, cols + g.channels * g.kh * s.phases * s.row_length, 0.0f);
      for (int64_t j = 0; j < g.kw; ++j) {
        for (int64_t k = 0; k < g.groups; ++k) {
          gemm(true, false, s.rows, s.positions, g.group_out(), 1.0f, column_weights(g, s, by_column, j, k), s.rows,
               wide + k * g.group_out() * s.positions, s.positions, 1.0f, cols + column_offset(s, j, k),
               s.phases * s.row_length);
        }
      }
      shifted_col2im(g, s, cols, dx + n * in_size);
    }
  }
  if (dw == nullptr) return;
  for (int64_t oc = 0; oc < g.out_channels; ++oc)
    for (int64_t r = 0; r < s.rows; ++r)
      for (int64_t j = 0; j < g.kw; ++j)
        dw[(oc * s.rows + r) * g.kw + j] += dw_by_column[(j * g.out_channels + oc) * s.rows + r];
}

void conv_forward(const ConvGeometry& g, const float* x, const float* w, const float* bias, float* y) {
  if (uses_shifted_columns(g)) conv_forward_shifted(g, x, w, y);
  else conv_forward_im2col(g, x, w, y);
  if (bias == nullptr) return;
  parallel_for(g.batch * g.out_channels, [&](int64_t nc) {
    float* plane = y + nc * g.out_plane();
    const float b = bias[nc % g.out_channels];
    for (int64_t i = 0; i < g.out_plane(); ++i) plane[i] += b;
  });
}

void conv_backward(const ConvGeometry& g, const float* x, const float* w, const float* dy, float* dx, float* dw,
                   float* dbias) {
  if (uses_shifted_columns(g)) conv_backward_shifted(g, x, w, dy, dx, dw);
  else conv_backward_im2col(g, x, w, dy, dx, dw);
  if (dbias == nullptr) return;
  const int64_t out_size = g.out_channels * g.out_plane();
  parallel_for(g.out_channels, [&](int64_t c) {
    double sum = 0;
    for (int64_t n = 0; n < g.batch; ++n) {
      const float* plane = dy + n * out_size + c * g.out_plane();
      for (int64_t i = 0; i < g.out_plane(); ++i) sum += plane[i];
    }
    dbias[c] += static_cast<float>(sum);
  });
}

// ---- normalisation -----------------------------------------------------------------------------

// Mean and variance of count values read by value(k), in double precision.
template <class Value>
void moments(int64_t count, Value&& value, double* mean, double* var) {
  double sum = 0, sum_sq = 0;
  for (int64_t k = 0; k < count; ++k) {
    const double v = value(k);
    sum += v, sum_sq += v * v;
  }
  moments_of_sums(sum, sum_sq, count, mean, var);
}

}  // namespace

ConvGeometry conv_geometry(ConvGeometry c) {
  require(c.batch >= 0 && c.channels > 0 && c.height >= 0 && c.width >= 0 && c.out_channels > 0,
          "convolution sizes must be positive");
  require(c.kh > 0 && c.kw > 0 && c.sh > 0 && c.sw > 0 && c.dh > 0 && c.dw > 0 && c.ph >= 0 && c.pw >= 0,
          "kernel, stride and dilation must be positive and padding non-negative");
  require(c.groups > 0 && c.channels % c.groups == 0 && c.out_channels % c.groups == 0,
          "groups " + std::to_string(c.groups) + " must divide the input and output channels");
  const int64_t span_h = c.dh * (c.kh - 1) + 1, span_w = c.dw * (c.kw - 1) + 1;
  require(c.height + 2 * c.ph >= span_h && c.width + 2 * c.pw >= span_w,
          "input " + std::to_string(c.height) + "x" + std::to_string(c.width) + " is smaller than the kernel span");
  c.out_h = (c.height + 2 * c.ph - span_h) / c.sh + 1;
  c.out_w = (c.width + 2 * c.pw - span_w) / c.sw + 1;
  return c;
}

void add(const float* a, const float* b, float* out, int64_t n) {
  for_chunks(n, [&](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; ++i) out[i] = a[i] + b[i];
  });
}

void multiply(const float* a, const float* b, float* out, int64_t n) {
  for_chunks(n, [&](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; ++i) out[i] = a[i] * b[i];
  });
}

void sum_halves(const float* x, int64_t rows, int64_t half, float* out) {
  parallel_for(rows, [&](int64_t r) {
    const float* in = x + r * 2 * half;
    for (int64_t j = 0; j < half; ++j) out[r * half + j] = in[j] + in[half + j];
  });
}

void repeat_halves(const float* x, int64_t rows, int64_t half, float* out) {
  parallel_for(rows, [&](int64_t r) {
    std::copy_n(x + r * half, half, out + r * 2 * half);
    std::copy_n(x + r * half, half, out + r * 2 * half + half);
  });
}

void mask_frames(float* x, int64_t batch, int64_t rows, int64_t steps, const int32_t* lengths) {
  parallel_for(batch * rows, [&](int64_t br) {
    float* row = x + br * steps;
    std::fill(row + lengths[br / rows], row + steps, 0.0f);
  });
}

PermuteGeometry permute_geometry(int rank, const int64_t* shape, const int32_t* perm) {
  require(rank >= 1 && rank <= kMaxPermuteRank, "permute supports ranks 1 to 6, got " + std::to_string(rank));
  PermuteGeometry g{rank, {}, {}, 1};
  int64_t in_stride[kMaxPermuteRank];
  bool seen[kMaxPermuteRank] = {};
  for (int i = rank - 1; i >= 0; --i) {
    require(shape[i] >= 0, "negative dimension");
    in_stride[i] = g.total, g.total *= shape[i];
  }
  for (int i = 0; i < rank; ++i) {
    require(perm[i] >= 0 && perm[i] < rank && !seen[perm[i]], "not a permutation");
    seen[perm[i]] = true;
    g.out_shape[i] = shape[perm[i]], g.stride[i] = in_stride[perm[i]];
  }
  return g;
}

void permute(const PermuteGeometry& g, const float* x, float* y) {
  const int64_t inner = g.inner(), rows = inner > 0 ? g.total / inner : 0, step = g.stride[g.rank - 1];
  parallel_for(rows, [&](int64_t row) {
    const float* in = x + g.row_source(row);
    float* out = y + row * inner;
    for (int64_t j = 0; j < inner; ++j) out[j] = in[j * step];
  });
}

void linear_forward(const float* x, int64_t rows, int64_t in, const float* w, const float* w_packed, const float* bias,
                    int64_t out, float* y) {
  const bool packed = w_packed != nullptr && prepacked_serves(in, out);
  if (bias != nullptr || packed) {  // the packed product adds into y; sgemm sets it where there is no bias
    for (int64_t r = 0; r < rows; ++r) {
      if (bias != nullptr) std::copy(bias, bias + out, y + r * out);
      else std::fill(y + r * out, y + (r + 1) * out, 0.0f);
    }
  }
  if (packed) return packed_product(rows, in, out, x, in, w_packed, y, out);
  gemm(false, true, rows, out, in, 1.0f, x, in, w, in, bias != nullptr ? 1.0f : 0.0f, y, out);
}

void linear_backward(const float* x, int64_t rows, int64_t in, const float* w, int64_t out,
                             const float* dy, float* dx, float* dw, float* dbias) {
  if (dx != nullptr) gemm(false, false, rows, in, out, 1.0f, dy, out, w, in, 0.0f, dx, in);
  if (dw != nullptr) gemm(true, false, out, in, rows, 1.0f, dy, out, x, in, 1.0f, dw, in);
  if (dbias != nullptr) nn::add_column_sums(dy, rows, out, out, dbias);
}

void conv2d_forward(const ConvGeometry& g, const float* x, const float* w, const float* bias,
                            float* y) {
  conv_forward(g, x, w, bias, y);
}

void conv2d_backward(const ConvGeometry& g, const float* x, const float* w, const float* dy,
                             float* dx, float* dw, float* dbias) {
  conv_backward(g, x, w, dy, dx, dw, dbias);
}

void batch_norm_forward(const float* x, int64_t n, int64_t channels, int64_t spatial,
                                const float* gamma, const float* beta, float* running_mean, float* running_var,
                                float momentum, float eps, int training, float* y, float* save_mean,
                                float* save_invstd) {
  const int64_t count = n * spatial;
  ScratchFrame scratch;
  float* scale = scratch.take<float>(channels);
  float* shift = scratch.take<float>(channels);
  parallel_for(channels, [&](int64_t c) {
    auto at = [&](int64_t k) { return x + ((k / spatial) * channels + c) * spatial + k % spatial; };
    double mean, var;
    if (training) {
      moments(count, [&](int64_t k) { return *at(k); }, &mean, &var);
      if (running_mean != nullptr) running_mean[c] = (1 - momentum) * running_mean[c] + momentum * float(mean);
      if (running_var != nullptr) {
        running_var[c] = (1 - momentum) * running_var[c] + momentum * float(var * count / (count - 1));
      }
    } else {
      mean = running_mean[c], var = running_var[c];
    }
    const float invstd = static_cast<float>(1.0 / std::sqrt(var + eps));
    scale[c] = (gamma ? gamma[c] : 1.0f) * invstd;
    shift[c] = (beta ? beta[c] : 0.0f) - float(mean) * scale[c];
    if (save_mean != nullptr) save_mean[c] = static_cast<float>(mean);
    if (save_invstd != nullptr) save_invstd[c] = invstd;
  });
  // y = x scale + shift in memory order: a sequence-wise norm (spatial 1) by rows of channels, where a
  // pass per channel strides over the whole tensor (DeepSpeech2's [501, 1, 512]: 1.8 ms, so 35 us).
  if (spatial == 1) {
    parallel_chunks(n, nn::rows_per_task(channels), [&](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; ++b) {
        const float* in = x + b * channels;
        float* out = y + b * channels;
        for (int64_t c = 0; c < channels; ++c) out[c] = in[c] * scale[c] + shift[c];
      }
    });
    return;
  }
  parallel_for(n * channels, [&](int64_t plane) {
    const float* in = x + plane * spatial;
    float* out = y + plane * spatial;
    const float a = scale[plane % channels], b = shift[plane % channels];
    for (int64_t s = 0; s < spatial; ++s) out[s] = in[s] * a + b;
  });
}

void batch_norm_backward(const float* x, int64_t n, int64_t channels, int64_t spatial,
                                 const float* gamma, const float* save_mean, const float* save_invstd, int training,
                                 const float* dy, float* dx, float* dgamma, float* dbeta) {
  const int64_t count = n * spatial;
  parallel_for(channels, [&](int64_t c) {
    const float mean = save_mean[c], invstd = save_invstd[c], g = gamma ? gamma[c] : 1.0f;
    double sum_dy = 0, sum_dy_xhat = 0;
    for (int64_t b = 0; b < n; ++b) {
      const int64_t base = (b * channels + c) * spatial;
      for (int64_t s = 0; s < spatial; ++s) {
        sum_dy += dy[base + s];
        sum_dy_xhat += double(dy[base + s]) * (x[base + s] - mean) * invstd;
      }
    }
    if (dgamma != nullptr) dgamma[c] += static_cast<float>(sum_dy_xhat);
    if (dbeta != nullptr) dbeta[c] += static_cast<float>(sum_dy);
    if (dx == nullptr) return;
    const float k = g * invstd;
    const float mean_dy = training ? float(sum_dy / count) : 0.0f;
    const float mean_dy_xhat = training ? float(sum_dy_xhat / count) : 0.0f;
    for (int64_t b = 0; b < n; ++b) {
      const int64_t base = (b * channels + c) * spatial;
      for (int64_t s = 0; s < spatial; ++s) {
        const float xhat = (x[base + s] - mean) * invstd;
        dx[base + s] = norm_input_gradient(k, dy[base + s], mean_dy, xhat, mean_dy_xhat);
      }
    }
  });
}

namespace {

// Where a layer norm's features lie `inner` apart (ResCNN's norm over the mel axis of [N, C, F, T]), a task
// takes up to kPositionBlock adjacent positions [i0, i0 + n) of one outer index o and walks the features once per
// pass for all of them, so the loops over positions run on contiguous memory: body(o, i0, n), in parallel.
constexpr int64_t kPositionBlock = 64;

template <class Body>
void for_position_blocks(int64_t outer, int64_t inner, Body&& body) {
  const int64_t blocks = (inner + kPositionBlock - 1) / kPositionBlock;
  parallel_for(outer * blocks, [&](int64_t task) {
    const int64_t o = task / blocks, i0 = task % blocks * kPositionBlock;
    body(o, i0, std::min(kPositionBlock, inner - i0));
  });
}

// layer_norm_forward over strided features: the same operations, in the same order, as one position at a
// time (which read each feature from another row: 10 % of ResCNN's int8 time).
void layer_norm_strided(const float* x, int64_t outer, int64_t features, int64_t inner, const float* gamma,
                        const float* beta, float eps, float* y, float* save_mean, float* save_invstd) {
  for_position_blocks(outer, inner, [&](int64_t o, int64_t i0, int64_t n) {
    const float* xo = x + o * features * inner + i0;
    float* yo = y + o * features * inner + i0;
    double sum[kPositionBlock] = {}, sum_sq[kPositionBlock] = {};
    for (int64_t f = 0; f < features; ++f) {
      const float* row = xo + f * inner;
      for (int64_t j = 0; j < n; ++j) sum[j] += double(row[j]), sum_sq[j] += double(row[j]) * double(row[j]);
    }
    float m[kPositionBlock], invstd[kPositionBlock];
    for (int64_t j = 0; j < n; ++j) {
      double mean, var;
      moments_of_sums(sum[j], sum_sq[j], features, &mean, &var);
      m[j] = float(mean), invstd[j] = static_cast<float>(1.0 / std::sqrt(var + eps));
    }
    for (int64_t f = 0; f < features; ++f) {
      const float g = gamma ? gamma[f] : 1.0f, b = beta ? beta[f] : 0.0f;
      const float* row = xo + f * inner;
      float* out = yo + f * inner;
      for (int64_t j = 0; j < n; ++j) out[j] = normalized(row[j], m[j], invstd[j], g, b);
    }
    if (save_mean != nullptr) std::copy_n(m, n, save_mean + o * inner + i0);
    if (save_invstd != nullptr) std::copy_n(invstd, n, save_invstd + o * inner + i0);
  });
}

// layer_norm_backward's dx over strided features, likewise the per-position operations in their order.
void layer_norm_backward_strided(const float* x, int64_t outer, int64_t features, int64_t inner, const float* gamma,
                                 const float* save_mean, const float* save_invstd, const float* dy, float* dx) {
  for_position_blocks(outer, inner, [&](int64_t o, int64_t i0, int64_t n) {
    const int64_t base = o * features * inner + i0;
    const float* mean = save_mean + o * inner + i0;
    const float* invstd = save_invstd + o * inner + i0;
    double sum_g[kPositionBlock] = {}, sum_g_xhat[kPositionBlock] = {};
    for (int64_t f = 0; f < features; ++f) {
      const float gf = gamma ? gamma[f] : 1.0f;
      const float *xf = x + base + f * inner, *dyf = dy + base + f * inner;
      for (int64_t j = 0; j < n; ++j) {
        const double g = double(dyf[j]) * gf;
        sum_g[j] += g, sum_g_xhat[j] += g * (xf[j] - mean[j]) * invstd[j];
      }
    }
    float mg[kPositionBlock], mgx[kPositionBlock];
    for (int64_t j = 0; j < n; ++j) mg[j] = float(sum_g[j] / features), mgx[j] = float(sum_g_xhat[j] / features);
    for (int64_t f = 0; f < features; ++f) {
      const float gf = gamma ? gamma[f] : 1.0f;
      const float *xf = x + base + f * inner, *dyf = dy + base + f * inner;
      float* dxf = dx + base + f * inner;
      for (int64_t j = 0; j < n; ++j) {
        const float xhat = (xf[j] - mean[j]) * invstd[j];
        dxf[j] = norm_input_gradient(invstd[j], dyf[j] * gf, mg[j], xhat, mgx[j]);
      }
    }
  });
}

}  // namespace

void layer_norm_forward(const float* x, int64_t outer, int64_t features, int64_t inner,
                                const float* gamma, const float* beta, float eps, float* y, float* save_mean,
                                float* save_invstd) {
  if (inner > 1) return layer_norm_strided(x, outer, features, inner, gamma, beta, eps, y, save_mean, save_invstd);
  parallel_for(outer * inner, [&](int64_t oi) {
    const int64_t base = (oi / inner) * features * inner + oi % inner;
    double mean, var;
    moments(features, [&](int64_t f) { return x[base + f * inner]; }, &mean, &var);
    const float m = float(mean), invstd = static_cast<float>(1.0 / std::sqrt(var + eps));
    for (int64_t f = 0; f < features; ++f) {
      y[base + f * inner] = normalized(x[base + f * inner], m, invstd, gamma ? gamma[f] : 1.0f, beta ? beta[f] : 0.0f);
    }
    if (save_mean != nullptr) save_mean[oi] = m;
    if (save_invstd != nullptr) save_invstd[oi] = invstd;
  });
}

void layer_norm_backward(const float* x, int64_t outer, int64_t features, int64_t inner,
                                 const float* gamma, const float* save_mean, const float* save_invstd,
                                 const float* dy, float* dx, float* dgamma, float* dbeta) {
  if (dx != nullptr && inner > 1) {
    layer_norm_backward_strided(x, outer, features, inner, gamma, save_mean, save_invstd, dy, dx);
  } else if (dx != nullptr) {
    parallel_for(outer * inner, [&](int64_t oi) {
      const int64_t base = (oi / inner) * features * inner + oi % inner;
      const float mean = save_mean[oi], invstd = save_invstd[oi];
      double sum_g = 0, sum_g_xhat = 0;
      for (int64_t f = 0; f < features; ++f) {
        const double g = double(dy[base + f * inner]) * (gamma ? gamma[f] : 1.0f);
        sum_g += g, sum_g_xhat += g * (x[base + f * inner] - mean) * invstd;
      }
      const float mg = float(sum_g / features), mgx = float(sum_g_xhat / features);
      for (int64_t f = 0; f < features; ++f) {
        const float xhat = (x[base + f * inner] - mean) * invstd;
        const float g = dy[base + f * inner] * (gamma ? gamma[f] : 1.0f);
        dx[base + f * inner] = norm_input_gradient(invstd, g, mg, xhat, mgx);
      }
    });
  }
  if (dgamma == nullptr && dbeta == nullptr) return;
  parallel_for(features, [&](int64_t f) {  // one feature per task: no races on the sums
    double sum_dy = 0, sum_dy_xhat = 0;
    for (int64_t o = 0; o < outer; ++o) {  // positions oi = o * inner + i in order, without a division each
      const float *xo = x + (o * features + f) * inner, *dyo = dy + (o * features + f) * inner;
      const float *mean = save_mean + o * inner, *invstd = save_invstd + o * inner;
      for (int64_t i = 0; i < inner; ++i) {
        sum_dy += dyo[i];
        sum_dy_xhat += double(dyo[i]) * (xo[i] - mean[i]) * invstd[i];
      }
    }
    if (dgamma != nullptr) dgamma[f] += static_cast<float>(sum_dy_xhat);
    if (dbeta != nullptr) dbeta[f] += static_cast<float>(sum_dy);
  });
}

void activation_forward(int kind, float lo, float hi, const float* x, float* y, int64_t n) {
  if (kind == CTC4J_GELU) return gelu(x, nullptr, y, n);  // the vectorised kernel the transformer uses
  for_chunks(n, [&](int64_t s, int64_t e) {
    switch (kind) {
      case CTC4J_RELU: for (int64_t i = s; i < e; ++i) y[i] = relu(x[i]); break;
      default: for (int64_t i = s; i < e; ++i) y[i] = hardtanh(x[i], lo, hi);
    }
  });
}

void activation_backward(int kind, float lo, float hi, const float* x, const float* dy, float* dx,
                                 int64_t n) {
  for_chunks(n, [&](int64_t s, int64_t e) {
    switch (kind) {
      case CTC4J_RELU: for (int64_t i = s; i < e; ++i) dx[i] = relu_gradient(x[i], dy[i]); break;
      case CTC4J_HARDTANH: for (int64_t i = s; i < e; ++i) dx[i] = dy[i] * hardtanh_derivative(x[i], lo, hi); break;
      default: for (int64_t i = s; i < e; ++i) dx[i] = dy[i] * gelu_derivative(x[i]);
    }
  });
}

void dropout_forward(float p, uint64_t seed, const float* x, float* y, float* mask, int64_t n) {
  const float keep_scale = 1.0f / (1.0f - p);
  for_chunks(n, [&](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; ++i) {
      mask[i] = uniform_at(seed, static_cast<unsigned long long>(i)) < p ? 0.0f : keep_scale;
      y[i] = x[i] * mask[i];
    }
  });
}

void log_softmax_forward(const float* x, int64_t rows, int64_t cols, float* y) {
  parallel_for(rows, [&](int64_t r) {
    const float* in = x + r * cols;
    const float max = *std::max_element(in, in + cols);
    double sum = 0;
    for (int64_t j = 0; j < cols; ++j) sum += std::exp(in[j] - max);
    const float shift = max + static_cast<float>(std::log(sum));
    for (int64_t j = 0; j < cols; ++j) y[r * cols + j] = in[j] - shift;
  });
}

void log_softmax_backward(const float* y, const float* dy, int64_t rows, int64_t cols, float* dx) {
  parallel_for(rows, [&](int64_t r) {
    double sum = 0;
    for (int64_t j = 0; j < cols; ++j) sum += dy[r * cols + j];
    for (int64_t j = 0; j < cols; ++j) {
      dx[r * cols + j] = dy[r * cols + j] - std::exp(y[r * cols + j]) * static_cast<float>(sum);
    }
  });
}

}  // namespace ctc4j::cpu
