#include "cpu/int8_layers.h"

#include <algorithm>
#include <numeric>
#include <vector>

#include "cpu/int8_kernel.h"
#include "cpu/rnn_kernel.h"
#include "support/parallel.h"
#include "support/scratch.h"

namespace ctc4j::cpu {
namespace {

using Matrix = ctc4j_int8_matrix;

// The product kernel of this CPU: AVX-VNNI, else AVX2, else generic.
decltype(&simd::generic::int8_gemm) best_gemm() {
  static const auto best = !simd::has_avx2_fma()       ? simd::generic::int8_gemm
                            : simd::avx2::has_avx_vnni() ? simd::avx2::int8_gemm_vnni
                                                         : simd::avx2::int8_gemm;
  return best;
}

// out = a[m, w.cols] w^T dequantized; a quantized with row stride lda. Tasks: blocks of rows x panels.
void int8_product(const Matrix& w, int64_t m, const int8_t* a, int64_t lda, const Int8Output& out) {
  constexpr int64_t kTaskRows = 64, kTaskPanels = 8;
  const int64_t panels = int8_panels(w.rows), row_tasks = (m + kTaskRows - 1) / kTaskRows;
  const int64_t panel_tasks = (panels + kTaskPanels - 1) / kTaskPanels;
  const auto kernel = best_gemm();
  if (usable_threads() == 1) return kernel(m, w.rows, w.groups, a, lda, w.packed.get(), 0, panels, out);
  parallel_for(row_tasks * panel_tasks, [&](int64_t task) {
    const int64_t r = task / panel_tasks * kTaskRows, p = task % panel_tasks * kTaskPanels;
    Int8Output block = out;
    block.y += r * out.ldy;
    block.row_scales += r;
    kernel(std::min(kTaskRows, m - r), w.rows, w.groups, a + r * lda, lda, w.packed.get(), p,
           std::min(panels, p + kTaskPanels), block);
  });
}

// Rows of x [rows, cols] (row stride ldx) quantized: values with row stride ld, one scale per row.
struct QuantizedRows {
  int8_t* values;
  int64_t ld;
  float* scales;
};

QuantizedRows take_rows(int64_t rows, int64_t cols, ScratchFrame& scratch) {
  const int64_t ld = int8_row_bytes(cols);
  return {scratch.take<int8_t>(std::max<int64_t>(1, rows * ld)), ld, scratch.take<float>(std::max<int64_t>(1, rows))};
}

void quantize(const float* x, int64_t rows, int64_t cols, int64_t ldx, const QuantizedRows& q) {
  const int64_t per_task = std::max<int64_t>(1, 16384 / cols);
  const auto kernel = CTC4J_SIMD_DISPATCH(quantize_rows);
  parallel_chunks(rows, per_task, [&](int64_t begin, int64_t end) {
    kernel(end - begin, cols, x + begin * ldx, ldx, q.values + begin * q.ld, q.ld, q.scales + begin);
  });
}

// ---- convolution -------------------------------------------------------------------------------

// row[(c * kh + i) * kw + j] = x[c][oh * sh - ph + i * dh][ow * sw - pw + j * dw] (zero outside x):
// the receptive field of output position (oh, ow), in the weights' column order.
void receptive_field(const ConvGeometry& g, const float* x, int64_t oh, int64_t ow, float* row) {
  for (int64_t c = 0; c < g.channels; ++c) {
    for (int64_t i = 0; i < g.kh; ++i) {
      const int64_t h = oh * g.sh - g.ph + i * g.dh;
      float* dst = row + (c * g.kh + i) * g.kw;
      if (h < 0 || h >= g.height) {
        std::fill(dst, dst + g.kw, 0.0f);
        continue;
      }
      const float* src = x + (c * g.height + h) * g.width;
      for (int64_t j = 0; j < g.kw; ++j) {
        const int64_t w = ow * g.sw - g.pw + j * g.dw;
        dst[j] = w >= 0 && w < g.width ? src[w] : 0.0f;
      }
    }
  }
}

// y[oc][p] for the output positions [p0, p0 + count) of one utterance: their receptive fields
// quantized one row each, one product, then stored channel-major. Runs on one thread.
void conv_positions(const ConvGeometry& g, const Matrix& w, const float* x, const float* bias, int64_t p0,
                    int64_t count, float* y) {
  ScratchFrame scratch;
  float* row = scratch.take<float>(g.patch());
  float* out = scratch.take<float>(count * g.out_channels);
  const QuantizedRows q = take_rows(count, g.patch(), scratch);
  const auto quantize_row = CTC4J_SIMD_DISPATCH(quantize_rows);
  for (int64_t p = 0; p < count; ++p) {
    receptive_field(g, x, (p0 + p) / g.out_w, (p0 + p) % g.out_w, row);
    quantize_row(1, g.patch(), row, g.patch(), q.values + p * q.ld, q.ld, q.scales + p);
  }
  best_gemm()(count, w.rows, w.groups, q.values, q.ld, w.packed.get(), 0, int8_panels(w.rows),
              Int8Output{out, g.out_channels, q.scales, w.scales.data(), bias, false});
  for (int64_t oc = 0; oc < g.out_channels; ++oc)
    for (int64_t p = 0; p < count; ++p) y[oc * g.out_plane() + p0 + p] = out[p * g.out_channels + oc];
}

// ---- recurrent layers --------------------------------------------------------------------------
// The float layer's schedule (cpu/nn_rnn.cpp) without what backward needs: states kept longest
// utterance first, so each step's active utterances are a prefix and the recurrent product covers
// only them; a row whose utterance has ended keeps its state and outputs zero.

struct Recurrence {
  RnnShape shape;
  std::vector<int64_t> order;  // utterance indices, longest first: state row i is utterance order[i]

  int64_t hidden() const { return shape.hidden; }
  int64_t batch() const { return shape.batch; }
  int64_t gates() const { return (shape.lstm ? 4 : 3) * shape.hidden; }
  int64_t state() const { return shape.batch * shape.hidden; }
  int64_t time(int64_t step) const { return shape.reverse ? shape.steps - 1 - step : step; }
  int64_t active(int64_t t) const {
    int64_t n = 0;
    while (n < shape.batch && shape.lengths[order[n]] > t) ++n;
    return n;
  }
  void to_state_order(const float* by_utterance, float* by_row) const {
    for (int64_t i = 0; i < batch(); ++i) std::copy_n(by_utterance + order[i] * hidden(), hidden(), by_row + i * hidden());
  }
  void to_utterance_order(const float* by_row, float* by_utterance) const {
    for (int64_t i = 0; i < batch(); ++i) std::copy_n(by_row + i * hidden(), hidden(), by_utterance + order[i] * hidden());
  }
};

Recurrence make_recurrence(const RnnShape& shape) {
  std::vector<int64_t> order(shape.batch);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return shape.lengths[a] > shape.lengths[b]; });
  return Recurrence{shape, std::move(order)};
}

// The elementwise pass of frame t: hh and the states in state order, gates and y in utterance order.
void cell_step(const Recurrence& r, int64_t t, int64_t active, const float* hh, const float* h, const float* c,
               float* gates, float* h_out, float* c_out, float* y, int64_t y_stride) {
  const int64_t H = r.hidden(), per_task = std::max<int64_t>(1, 8192 / H);
  parallel_chunks(r.batch(), per_task, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const int64_t b = r.order[i];
      float* yb = y + (t * r.batch() + b) * y_stride;
      if (i >= active) {
        std::copy_n(h + i * H, H, h_out + i * H);
        if (r.shape.lstm) std::copy_n(c + i * H, H, c_out + i * H);
        std::fill(yb, yb + H, 0.0f);
        continue;
      }
      float* g = gates + (t * r.batch() + b) * 4 * H;
      if (r.shape.lstm) {
        CTC4J_SIMD_DISPATCH(lstm_cell)(H, g, hh + i * 4 * H, c + i * H, c_out + i * H, h_out + i * H, yb);
      } else {
        CTC4J_SIMD_DISPATCH(gru_cell)(H, g, hh + i * 3 * H, h + i * H, h_out + i * H, yb);
      }
    }
  });
}

}  // namespace

void int8_linear_forward(const Matrix& w, const float* bias, const float* x, int64_t rows, int64_t x_stride,
                         float* y) {
  ScratchFrame scratch;
  const QuantizedRows q = take_rows(rows, w.cols, scratch);
  quantize(x, rows, w.cols, x_stride, q);
  int8_product(w, rows, q.values, q.ld, Int8Output{y, w.rows, q.scales, w.scales.data(), bias, false});
}

void int8_conv2d_forward(const ConvGeometry& g, const Matrix& w, const float* x, const float* bias, float* y) {
  constexpr int64_t kPositions = 128;  // per task: a few hundred KB of scratch whatever the kernel size
  const int64_t chunks = (g.out_plane() + kPositions - 1) / kPositions;
  parallel_for(g.batch * chunks, [&](int64_t task) {
    const int64_t n = task / chunks, p0 = task % chunks * kPositions;
    conv_positions(g, w, x + n * g.channels * g.height * g.width, bias, p0, std::min(kPositions, g.out_plane() - p0),
                   y + n * g.out_channels * g.out_plane());
  });
}

void int8_rnn_forward(const RnnShape& shape, const Matrix& w_ih, const Matrix& w_hh, const float* x, const float* b_ih,
                      const float* b_hh, const float* h0, const float* c0, float* y, int64_t y_stride, float* h_n,
                      float* c_n) {
  const Recurrence r = make_recurrence(shape);
  const int64_t G = r.gates(), H = r.hidden(), S = r.state(), rows = shape.steps * shape.batch;
  ScratchFrame scratch;
  // Input projection of every frame at once: gates[:, :G] = x w_ih^T + b_ih (rows of 4H, as the cells read them).
  float* gates = scratch.take<float>(std::max<int64_t>(1, rows * 4 * H));
  const QuantizedRows qx = take_rows(rows, shape.input, scratch);
  const QuantizedRows qh = take_rows(shape.batch, H, scratch);  // each step's states
  float* hh = scratch.take<float>(std::max<int64_t>(1, shape.batch * G + 4 * S));  // [batch, G]: h w_hh^T + b_hh
  float* h_cur = hh + shape.batch * G;  // then four [batch, H] states in state order, ping-ponged
  float* h_next = h_cur + S;
  float* c_cur = h_next + S;
  float* c_next = c_cur + S;
  quantize(x, rows, shape.input, shape.input, qx);
  int8_product(w_ih, rows, qx.values, qx.ld, Int8Output{gates, 4 * H, qx.scales, w_ih.scales.data(), b_ih, false});
  if (h0 != nullptr) r.to_state_order(h0, h_cur); else std::fill(h_cur, h_cur + S, 0.0f);
  if (shape.lstm) {
    if (c0 != nullptr) r.to_state_order(c0, c_cur); else std::fill(c_cur, c_cur + S, 0.0f);
  }
  for (int64_t s = 0; s < shape.steps; ++s) {
    const int64_t t = r.time(s), active = r.active(t);
    quantize(h_cur, active, H, H, qh);
    int8_product(w_hh, active, qh.values, qh.ld, Int8Output{hh, G, qh.scales, w_hh.scales.data(), b_hh, false});
    cell_step(r, t, active, hh, h_cur, c_cur, gates, h_next, c_next, y, y_stride);
    std::swap(h_cur, h_next);
    if (shape.lstm) std::swap(c_cur, c_next);
  }
  if (h_n != nullptr) r.to_utterance_order(h_cur, h_n);
  if (shape.lstm && c_n != nullptr) r.to_utterance_order(c_cur, c_n);
}

}  // namespace ctc4j::cpu
