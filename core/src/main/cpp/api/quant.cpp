// The int8 C API (ctc4j/quant.h): int8 matrices (handles/int8_matrix.h) and the int8 layers
// (cpu/int8_layers.h), validated here; the kernels' builds can be chosen for the tests.
#include <string>
#include <vector>

#include "api/nn_structs.h"
#include "cpu/int8_kernel.h"
#include "cpu/int8_layers.h"
#include "ctc4j/quant.h"
#include "handles/int8_matrix.h"
#include "support/error.h"
#include "support/parallel.h"

using namespace ctc4j;

namespace {

// The build of a kernel a caller asks for (ctc4j_int8_kernel); CTC4J_INT8_BEST: AVX-512 VNNI, else
// AVX-VNNI, else AVX2, else generic, as this CPU has them.
template <class Kernel>
Kernel* chosen(int kernel, Kernel* generic, Kernel* avx2, Kernel* vnni, Kernel* avx512_vnni) {
  require(kernel >= CTC4J_INT8_BEST && kernel <= CTC4J_INT8_AVX512_VNNI,
          "unknown int8 kernel " + std::to_string(kernel));
  if (kernel == CTC4J_INT8_AVX2 && !simd::has_avx2_fma()) throw Error(CTC4J_UNAVAILABLE, "this CPU has no AVX2");
  if (kernel == CTC4J_INT8_AVX_VNNI && !simd::has_avx_vnni()) throw Error(CTC4J_UNAVAILABLE, "this CPU has no AVX-VNNI");
  if (kernel == CTC4J_INT8_AVX512_VNNI && !simd::has_avx512_vnni()) {
    throw Error(CTC4J_UNAVAILABLE, "this CPU has no AVX-512 VNNI");
  }
  if (kernel == CTC4J_INT8_GENERIC) return generic;
  if (kernel == CTC4J_INT8_AVX2) return avx2;
  if (kernel == CTC4J_INT8_AVX_VNNI) return vnni;
  if (kernel == CTC4J_INT8_AVX512_VNNI || simd::has_avx512_vnni()) return avx512_vnni;
  if (simd::has_avx_vnni()) return vnni;
  return simd::has_avx2_fma() ? avx2 : generic;
}

const ctc4j_int8_matrix& require_matrix(const ctc4j_int8_matrix* m) {
  require(m != nullptr, "null int8 matrix");
  return *m;
}

}  // namespace

extern "C" {

int ctc4j_int8_quantize_rows(int kernel, const float* x, int64_t rows, int64_t cols, int8_t* q, float* scales) {
  return guarded([&] {
    require(rows >= 0 && cols > 0, "bad sizes to quantize: " + std::to_string(rows) + " x " + std::to_string(cols));
    require(rows == 0 || (x != nullptr && q != nullptr && scales != nullptr), "null rows to quantize");
    // Quantization has no VNNI builds: the AVX2 one serves.
    const auto quantize = chosen(kernel, simd::generic::quantize_rows, simd::avx2::quantize_rows,
                                 simd::avx2::quantize_rows, simd::avx2::quantize_rows);
    std::vector<int8_t> padded(int8_row_bytes(cols));  // the kernel writes whole groups of four
    for (int64_t r = 0; r < rows; ++r) {
      quantize(1, cols, x + r * cols, cols, padded.data(), int8_row_bytes(cols), scales + r);
      std::copy_n(padded.data(), cols, q + r * cols);
    }
  });
}

int ctc4j_int8_matrix_create(const int8_t* q, const float* scales, int64_t rows, int64_t cols,
                             ctc4j_int8_matrix** out) {
  return guarded([&] {
    require(out != nullptr, "null output handle");
    *out = nullptr;
    *out = int8_matrix::create(q, scales, rows, cols).release();
  });
}

int ctc4j_int8_matrix_destroy(ctc4j_int8_matrix* m) {
  return guarded([&] { delete m; });
}

int ctc4j_int8_matrix_values(const ctc4j_int8_matrix* m, int8_t* q, float* scales) {
  return guarded([&] { int8_matrix::values(require_matrix(m), q, scales); });
}

int ctc4j_int8_gemm(int kernel, const int8_t* a, int64_t m, const ctc4j_int8_matrix* w, int32_t* c) {
  return guarded([&] {
    const ctc4j_int8_matrix& b = require_matrix(w);
    require(m >= 0 && (m == 0 || (a != nullptr && c != nullptr)), "bad int8 product operands");
    const auto product = chosen(kernel, simd::generic::int8_gemm_exact, simd::avx2::int8_gemm_exact,
                                simd::avx2::int8_gemm_exact_vnni, simd::avx2::int8_gemm_exact_avx512_vnni);
    // The kernel reads whole groups of four: a's rows padded with zeros.
    const int64_t ld = int8_row_bytes(b.cols);
    std::vector<int8_t> padded(std::max<int64_t>(1, m * ld), 0);
    for (int64_t i = 0; i < m; ++i) std::copy_n(a + i * b.cols, b.cols, padded.data() + i * ld);
    product(m, int8_matrix::panels(b), padded.data(), ld, 0, int8_panels(b.rows), c, b.rows);
  });
}

int ctc4j_int8_linear_forward(const ctc4j_int8_matrix* w, const float* bias, const float* x, int64_t rows_x,
                              int64_t x_stride, float* y) {
  return guarded([&] {
    const ctc4j_int8_matrix& m = require_matrix(w);
    require(rows_x >= 0 && (rows_x == 0 || (x != nullptr && y != nullptr)), "bad int8 linear operands");
    require(x_stride > 0, "int8 linear input row stride " + std::to_string(x_stride) + " is not positive");
    cpu::int8_linear_forward(m, bias, x, rows_x, x_stride, y);
  });
}

int ctc4j_int8_conv2d_forward(const ctc4j_nn_conv2d* conv, const ctc4j_int8_matrix* w, const float* x, float* y) {
  return guarded([&] {
    const ctc4j_int8_matrix& m = require_matrix(w);
    const cpu::ConvGeometry g = api::conv_geometry(conv);
    require(g.groups == 1, "int8 convolutions have one group, got " + std::to_string(g.groups));
    require(m.rows == g.out_channels && m.cols == g.patch(),
            "int8 convolution weights are " + std::to_string(m.rows) + " x " + std::to_string(m.cols) +
                ", the geometry needs " + std::to_string(g.out_channels) + " x " + std::to_string(g.patch()));
    require(g.batch == 0 || (x != nullptr && y != nullptr), "null convolution input or output");
    cpu::int8_conv2d_forward(g, m, x, conv->bias, y);
  });
}

int ctc4j_int8_rnn_forward(const ctc4j_nn_rnn* rnn, const ctc4j_int8_matrix* w_ih, const ctc4j_int8_matrix* w_hh,
                           const float* x, const float* h0, const float* c0, float* y, float* h_n, float* c_n) {
  return guarded([&] {
    const ctc4j_int8_matrix &ih = require_matrix(w_ih), &hh = require_matrix(w_hh);
    const cpu::RnnShape shape = api::rnn_shape(rnn);
    const int64_t gates = (shape.lstm ? 4 : 3) * shape.hidden;
    require(ih.rows == gates && ih.cols == shape.input && hh.rows == gates && hh.cols == shape.hidden,
            "int8 recurrent weights are " + std::to_string(ih.rows) + " x " + std::to_string(ih.cols) + " and " +
                std::to_string(hh.rows) + " x " + std::to_string(hh.cols) + ", the layer needs " +
                std::to_string(gates) + " x " + std::to_string(shape.input) + " and " + std::to_string(gates) +
                " x " + std::to_string(shape.hidden));
    require(rnn->y_stride >= shape.hidden,
            "output row stride " + std::to_string(rnn->y_stride) + " below the hidden size");
    const OneThreadScope scope(rnn->one_thread != 0);
    cpu::int8_rnn_forward(shape, ih, hh, x, rnn->b_ih, rnn->b_hh, h0, c0, y, rnn->y_stride, h_n, c_n);
  });
}

}  // extern "C"
