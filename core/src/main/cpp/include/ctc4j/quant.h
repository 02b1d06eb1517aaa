/* int8 inference on the CPU. Weights are int8 symmetric per output channel (row r of a [rows, cols]
 * matrix: scale_r = max|w_r| / 127, values in [-127, 127]); activations are quantized the same way
 * dynamically, one scale per row of the input (per time step / input vector). Products accumulate
 * exactly in int32 and are dequantized with the two scales: y[i, r] = acc[i, r] * sx_i * sw_r (+ bias).
 * An int8 matrix is an opaque, immutable handle (packed for the kernels), shareable across threads. */
#ifndef CTC4J_QUANT_H
#define CTC4J_QUANT_H

#include "ctc4j/core.h"
#include "ctc4j/nn.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ctc4j_int8_matrix ctc4j_int8_matrix;

/* Which build of the integer kernels runs: the best for this CPU (AVX-512 VNNI, else AVX-VNNI, else AVX2,
 * else generic), or one forced (tests compare them; CTC4J_UNAVAILABLE where the CPU lacks it). */
enum ctc4j_int8_kernel {
  CTC4J_INT8_BEST = 0,
  CTC4J_INT8_GENERIC = 1,
  CTC4J_INT8_AVX2 = 2,
  CTC4J_INT8_AVX_VNNI = 3,
  CTC4J_INT8_AVX512_VNNI = 4
};

/* q[rows, cols] and scales[rows] from x[rows, cols]: each row by its own largest magnitude. */
CTC4J_API int ctc4j_int8_quantize_rows(int kernel, const float* x, int64_t rows, int64_t cols, int8_t* q,
                                       float* scales);

/* An int8 matrix from q[rows, cols] (values in [-127, 127]) and its per-row scales (copied). */
CTC4J_API int ctc4j_int8_matrix_create(const int8_t* q, const float* scales, int64_t rows, int64_t cols,
                                       ctc4j_int8_matrix** out);
CTC4J_API int ctc4j_int8_matrix_destroy(ctc4j_int8_matrix* m);
/* Copies the matrix's values and scales back out (q [rows, cols], scales [rows]; either may be NULL). */
CTC4J_API int ctc4j_int8_matrix_values(const ctc4j_int8_matrix* m, int8_t* q, float* scales);

/* c[i, r] = sum_k a[i, k] w[r, k], exact in int32: a [m, cols] row-major, c [m, rows]. */
CTC4J_API int ctc4j_int8_gemm(int kernel, const int8_t* a, int64_t m, const ctc4j_int8_matrix* w, int32_t* c);

/* y[rows_x, w.rows] = x[rows_x, w.cols] w^T + bias, x quantized per row; row i of x starts at
 * x + i * x_stride (x_stride = w.cols for a dense x; less makes rows overlap: a time-major convolution
 * without padding is rows every stride * in_channels floats, each its receptive field). */
CTC4J_API int ctc4j_int8_linear_forward(const ctc4j_int8_matrix* w, const float* bias, const float* x,
                                        int64_t rows_x, int64_t x_stride, float* y);

/* The convolution conv describes (ctc4j/nn.h; one group; its w is not read) with weights w [out_channels,
 * in_channels * kernel_h * kernel_w], as ctc4j_nn_conv2d_forward computes it: each output position's
 * receptive field is one quantized row. */
CTC4J_API int ctc4j_int8_conv2d_forward(const ctc4j_nn_conv2d* conv, const ctc4j_int8_matrix* w, const float* x,
                                        float* y);

/* One direction of the recurrent layer rnn describes (ctc4j/nn.h; inference: its w_ih, w_hh and
 * workspace are not read), as ctc4j_nn_rnn_forward computes it, with the input projection (rows of x)
 * and each step's recurrent product (rows of h) in int8: w_ih [gates * hidden, input], w_hh
 * [gates * hidden, hidden]. */
CTC4J_API int ctc4j_int8_rnn_forward(const ctc4j_nn_rnn* rnn, const ctc4j_int8_matrix* w_ih,
                                     const ctc4j_int8_matrix* w_hh, const float* x, const float* h0, const float* c0,
                                     float* y, float* h_n, float* c_n);

#ifdef __cplusplus
}
#endif
#endif
