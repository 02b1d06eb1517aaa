#include "cpu/int8_layers.h"

#include <algorithm>

#include "cpu/int8_kernel.h"
#include "handles/int8_matrix.h"
#include "support/parallel.h"
#include "support/scratch.h"

namespace ctc4j::cpu {
namespace {

using Matrix = ctc4j_int8_matrix;

// The product kernel of this CPU: AVX-512 VNNI, else AVX-VNNI, else AVX2, else generic.
decltype(&simd::generic::int8_gemm) best_gemm() {
  static const auto best = !simd::has_avx2_fma()    ? simd::generic::int8_gemm
                            : simd::has_avx512_vnni() ? simd::avx2::int8_gemm_avx512_vnni
                            : simd::has_avx_vnni()    ? simd::avx2::int8_gemm_vnni
                                                      : simd::avx2::int8_gemm;
  return best;
}

// out = a[m, w.cols] w^T dequantized; a quantized with row stride lda. Tasks: blocks of rows x panels.
void int8_product(const Matrix& w, int64_t m, const int8_t* a, int64_t lda, const Int8Output& out) {
  constexpr int64_t kTaskRows = 64, kTaskPanels = 8;
  const int64_t panels = int8_panels(w.rows), row_tasks = (m + kTaskRows - 1) / kTaskRows;
  const int64_t panel_tasks = (panels + kTaskPanels - 1) / kTaskPanels;
  const auto kernel = best_gemm();
  const Int8Panels panels_of_w = int8_matrix::panels(w);
  if (usable_threads() == 1) return kernel(m, panels_of_w, a, lda, 0, panels, out);
  parallel_for(row_tasks * panel_tasks, [&](int64_t task) {
    const int64_t r = task / panel_tasks * kTaskRows, p = task % panel_tasks * kTaskPanels;
    Int8Output block = out;
    block.y += r * out.ldy;
    block.row_scales += r;
    kernel(std::min(kTaskRows, m - r), panels_of_w, a + r * lda, lda, p, std::min(panels, p + kTaskPanels), block);
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

// row[(c * kh + i) * kw + j] = x[c][input_row(oh, i)][input_col(ow, j)] (zero outside x): the receptive
// field of output position (oh, ow), in the weights' column order. Where the field's columns all lie
// inside x (most positions) the copy needs no bounds; g is copied so the stores cannot alias it.
// KW > 0: the kernel is KW wide with no column dilation, so each row's copy has a constant length
// (ResCNN's 3 x 3 spent 39 % of its int8 time here, a loop of three per channel and row).
template <int KW>
void receptive_field(const ConvGeometry& geometry, const float* x, int64_t oh, int64_t ow, float* row) {
  const ConvGeometry g = geometry;
  const int64_t kw = KW > 0 ? KW : g.kw, dw = KW > 0 ? 1 : g.dw;
  const int64_t w0 = g.input_col(ow, 0);
  const bool columns_inside = w0 >= 0 && g.input_col(ow, kw - 1) < g.width;
  for (int64_t c = 0; c < g.channels; ++c) {
    for (int64_t i = 0; i < g.kh; ++i) {
      const int64_t h = g.input_row(oh, i);
      float* dst = row + (c * g.kh + i) * kw;
      if (h < 0 || h >= g.height) {
        std::fill(dst, dst + kw, 0.0f);
        continue;
      }
      const float* src = x + (c * g.height + h) * g.width;
      if (columns_inside) {
        for (int64_t j = 0; j < kw; ++j) dst[j] = src[w0 + j * dw];
        continue;
      }
      for (int64_t j = 0; j < kw; ++j) {
        const int64_t w = w0 + j * dw;
        dst[j] = w >= 0 && w < g.width ? src[w] : 0.0f;
      }
    }
  }
}

using ReceptiveField = void (*)(const ConvGeometry&, const float*, int64_t, int64_t, float*);

// The copy for this geometry: constant widths for the kernels of the model families (3: ResCNN; 11:
// DeepSpeech2's two convolutions), the general one otherwise.
ReceptiveField receptive_field_for(const ConvGeometry& g) {
  if (g.dw != 1) return receptive_field<0>;
  if (g.kw == 3) return receptive_field<3>;
  if (g.kw == 11) return receptive_field<11>;
  return receptive_field<0>;
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
  const ReceptiveField receptive_field = receptive_field_for(g);
  for (int64_t p = 0; p < count; ++p) {
    receptive_field(g, x, (p0 + p) / g.out_w, (p0 + p) % g.out_w, row);
    quantize_row(1, g.patch(), row, g.patch(), q.values + p * q.ld, q.ld, q.scales + p);
  }
  best_gemm()(count, int8_matrix::panels(w), q.values, q.ld, 0, int8_panels(w.rows),
              Int8Output{out, g.out_channels, q.scales, w.scales.data(), bias, false});
  for (int64_t oc = 0; oc < g.out_channels; ++oc)
    for (int64_t p = 0; p < count; ++p) y[oc * g.out_plane() + p0 + p] = out[p * g.out_channels + oc];
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
  const int64_t H = shape.hidden, G = (shape.lstm ? 4 : 3) * H, rows = shape.steps * shape.batch;
  ScratchFrame scratch;
  const QuantizedRows qh = take_rows(shape.batch, H, scratch);  // each step's states, one row per utterance
  const RnnProducts products{
      [&](float* gates) {  // every frame at once, one row each
        ScratchFrame inputs;
        const QuantizedRows qx = take_rows(rows, shape.input, inputs);
        quantize(x, rows, shape.input, shape.input, qx);
        int8_product(w_ih, rows, qx.values, qx.ld, Int8Output{gates, 4 * H, qx.scales, w_ih.scales.data(), b_ih, false});
      },
      [&](int64_t active, const float* h, float* hh) {
        quantize(h, active, H, H, qh);
        int8_product(w_hh, active, qh.values, qh.ld, Int8Output{hh, G, qh.scales, w_hh.scales.data(), b_hh, false});
      }};
  rnn_forward(shape, products, h0, c0, y, y_stride, h_n, c_n);
}

}  // namespace ctc4j::cpu
