// Recurrent-layer kernels (cpu/rnn_kernel.h): the transposed matrix-vector pass of the backward step and
// the fused gate passes; compiled once per instruction set. The products are in gemm_kernel.cpp.
#include "common/fast_math.h"
#include "cpu/rnn_kernel.h"

namespace ctc4j::simd::CTC4J_SIMD_NAMESPACE {
namespace {

constexpr int kCols = 64;  // output columns per pass of matvec_transposed_add: eight vector accumulators

inline float fast_sigmoid(float x) { return 1.0f / (1.0f + fast_exp(-x)); }
inline float fast_tanh(float x) { return 2.0f / (1.0f + fast_exp(-2.0f * x)) - 1.0f; }

}  // namespace

void matvec_transposed_add(const float* __restrict w, int64_t rows, int64_t cols, const float* __restrict x,
                           int64_t batch, float* __restrict y) {
  int64_t c = 0;
  for (; c + kCols <= cols; c += kCols) {
    for (int64_t b = 0; b < batch; ++b) {
      const float* xb = x + b * rows;
      float acc[kCols] = {};
      for (int64_t r = 0; r < rows; ++r)
        for (int l = 0; l < kCols; ++l) acc[l] += xb[r] * w[r * cols + c + l];
      for (int l = 0; l < kCols; ++l) y[b * cols + c + l] += acc[l];
    }
  }
  for (; c < cols; ++c) {
    for (int64_t b = 0; b < batch; ++b) {
      float sum = 0.0f;
      for (int64_t r = 0; r < rows; ++r) sum += x[b * rows + r] * w[r * cols + c];
      y[b * cols + c] += sum;
    }
  }
}

namespace {

// The forward gate passes' loops, inlined into a build for each vector width below.
[[gnu::always_inline]] inline void lstm_rows(int64_t hidden, float* __restrict pre, const float* __restrict rec,
                                             const float* __restrict c_prev, float* __restrict c,
                                             float* __restrict h, float* __restrict y) {
  const int64_t H = hidden;
  for (int64_t j = 0; j < H; ++j) {
    const float i = fast_sigmoid(pre[j] + rec[j]), f = fast_sigmoid(pre[H + j] + rec[H + j]);
    const float g = fast_tanh(pre[2 * H + j] + rec[2 * H + j]), o = fast_sigmoid(pre[3 * H + j] + rec[3 * H + j]);
    const float cell = f * c_prev[j] + i * g;
    pre[j] = i, pre[H + j] = f, pre[2 * H + j] = g, pre[3 * H + j] = o;
    c[j] = cell;
    h[j] = y[j] = o * fast_tanh(cell);
  }
}

[[gnu::always_inline]] inline void gru_rows(int64_t hidden, float* __restrict pre, const float* __restrict rec,
                                            const float* __restrict h_prev, float* __restrict h,
                                            float* __restrict y) {
  const int64_t H = hidden;
  for (int64_t j = 0; j < H; ++j) {
    const float r = fast_sigmoid(pre[j] + rec[j]), z = fast_sigmoid(pre[H + j] + rec[H + j]);
    const float n = fast_tanh(pre[2 * H + j] + r * rec[2 * H + j]);
    pre[j] = r, pre[H + j] = z, pre[2 * H + j] = n, pre[3 * H + j] = rec[2 * H + j];
    h[j] = y[j] = (1.0f - z) * n + z * h_prev[j];
  }
}

#if defined(__AVX2__)
// The same loops vectorised 16 lanes wide where the CPU has AVX-512F (chosen at run time): at batch 16
// the GRU gates were 11 % of the embedded model's time at 8 lanes. Elementwise, so the same results.
#define CTC4J_AVX512_LOOPS __attribute__((target("avx512f,prefer-vector-width=512")))
CTC4J_AVX512_LOOPS void lstm_rows_avx512(int64_t hidden, float* pre, const float* rec, const float* c_prev, float* c,
                                         float* h, float* y) {
  lstm_rows(hidden, pre, rec, c_prev, c, h, y);
}
CTC4J_AVX512_LOOPS void gru_rows_avx512(int64_t hidden, float* pre, const float* rec, const float* h_prev, float* h,
                                        float* y) {
  gru_rows(hidden, pre, rec, h_prev, h, y);
}
#endif

}  // namespace

void lstm_cell(int64_t hidden, float* __restrict pre, const float* __restrict rec, const float* __restrict c_prev,
               float* __restrict c, float* __restrict h, float* __restrict y) {
#if defined(__AVX2__)
  if (has_avx512f()) return lstm_rows_avx512(hidden, pre, rec, c_prev, c, h, y);
#endif
  lstm_rows(hidden, pre, rec, c_prev, c, h, y);
}

void gru_cell(int64_t hidden, float* __restrict pre, const float* __restrict rec, const float* __restrict h_prev,
              float* __restrict h, float* __restrict y) {
#if defined(__AVX2__)
  if (has_avx512f()) return gru_rows_avx512(hidden, pre, rec, h_prev, h, y);
#endif
  gru_rows(hidden, pre, rec, h_prev, h, y);
}

void lstm_cell_backward(int64_t hidden, const float* __restrict gates, const float* __restrict c_prev,
                        const float* __restrict c, const float* __restrict dy, float* __restrict dh,
                        float* __restrict dc, float* __restrict d_gates) {
  const int64_t H = hidden;
  for (int64_t j = 0; j < H; ++j) {
    const float i = gates[j], f = gates[H + j], g = gates[2 * H + j], o = gates[3 * H + j];
    const float dh_total = dh[j] + dy[j];
    const float tc = fast_tanh(c[j]);  // as the forward pass computed h = o tanh(c)
    const float dcell = dc[j] + dh_total * o * (1.0f - tc * tc);
    d_gates[j] = dcell * g * i * (1.0f - i);
    d_gates[H + j] = dcell * c_prev[j] * f * (1.0f - f);
    d_gates[2 * H + j] = dcell * i * (1.0f - g * g);
    d_gates[3 * H + j] = dh_total * tc * o * (1.0f - o);
    dc[j] = dcell * f;
    dh[j] = 0.0f;
  }
}

void gru_cell_backward(int64_t hidden, const float* __restrict gates, const float* __restrict h_prev,
                       const float* __restrict dy, float* __restrict dh, float* __restrict dx_gates,
                       float* __restrict dh_gates) {
  const int64_t H = hidden;
  for (int64_t j = 0; j < H; ++j) {
    const float r = gates[j], z = gates[H + j], n = gates[2 * H + j], hn = gates[3 * H + j];
    const float dh_total = dh[j] + dy[j];
    const float dn = dh_total * (1.0f - z) * (1.0f - n * n);
    const float dz = dh_total * (h_prev[j] - n) * z * (1.0f - z);
    const float dr = dn * hn * r * (1.0f - r);
    dx_gates[j] = dh_gates[j] = dr;
    dx_gates[H + j] = dh_gates[H + j] = dz;
    dx_gates[2 * H + j] = dn;
    dh_gates[2 * H + j] = dn * r;
    dh[j] = dh_total * z;
  }
}

}  // namespace ctc4j::simd::CTC4J_SIMD_NAMESPACE
