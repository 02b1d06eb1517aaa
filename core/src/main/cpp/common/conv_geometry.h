// The geometry of a 2-D convolution (ctc4j_nn_conv2d) and its index math, shared by the CPU and CUDA
// backends: x[batch, channels, height, width] -> y[batch, out_channels, out_h, out_w], weights
// [out_channels, channels / groups, kh, kw].
#pragma once
#include <stdint.h>

#include "common/hd.h"

namespace ctc4j {

struct ConvGeometry {
  int64_t batch, channels, height, width, out_channels, kh, kw, sh, sw, ph, pw, dh, dw, groups;
  int64_t out_h, out_w;
  CTC4J_HD int64_t group_channels() const { return channels / groups; }
  CTC4J_HD int64_t group_out() const { return out_channels / groups; }
  CTC4J_HD int64_t patch() const { return group_channels() * kh * kw; }  // columns of one group's weights
  CTC4J_HD int64_t out_plane() const { return out_h * out_w; }
  // The input row (column) that kernel row i (column j) reads for output row oh (column ow); outside
  // [0, height) ([0, width)) it lies in the zero padding.
  CTC4J_HD int64_t input_row(int64_t oh, int64_t i) const { return oh * sh - ph + i * dh; }
  CTC4J_HD int64_t input_col(int64_t ow, int64_t j) const { return ow * sw - pw + j * dw; }
  // Their inverses: the output row (column) whose kernel row i (column j) reads input row h (column
  // w), or -1 where there is none (between two strides, or past the output).
  CTC4J_HD int64_t output_row(int64_t h, int64_t i) const { return output_index(h + ph - i * dh, sh, out_h); }
  CTC4J_HD int64_t output_col(int64_t w, int64_t j) const { return output_index(w + pw - j * dw, sw, out_w); }

  // Entry e of one utterance's column matrix [channels kh kw, out_plane] (im2col): row (c kh + i) kw + j,
  // column oh out_w + ow holds x[c, input_row(oh, i), input_col(ow, j)], zero in the padding.
  CTC4J_HD float column(const float* x, int64_t e) const {
    const int64_t plane = out_plane(), row = e / plane, p = e % plane;
    const int64_t c = row / (kh * kw), i = row / kw % kh, j = row % kw;
    const int64_t h = input_row(p / out_w, i), w = input_col(p % out_w, j);
    return h >= 0 && h < height && w >= 0 && w < width ? x[(c * height + h) * width + w] : 0.0f;
  }
  // Element e of one utterance's input gradient [channels, height, width] from the column matrix's
  // gradient (col2im as a gather): the sum of the column entries column() took from element e.
  CTC4J_HD float input_gradient(const float* cols, int64_t e) const {
    const int64_t plane = out_plane(), c = e / (height * width), h = e / width % height, w = e % width;
    float sum = 0.0f;
    for (int64_t i = 0; i < kh; ++i) {
      const int64_t oh = output_row(h, i);
      if (oh < 0) continue;
      for (int64_t j = 0; j < kw; ++j) {
        const int64_t ow = output_col(w, j);
        if (ow >= 0) sum += cols[((c * kh + i) * kw + j) * plane + oh * out_w + ow];
      }
    }
    return sum;
  }

 private:
  CTC4J_HD static int64_t output_index(int64_t at, int64_t stride, int64_t size) {
    return at >= 0 && at % stride == 0 && at / stride < size ? at / stride : -1;
  }
};

}  // namespace ctc4j
