// Neural-network layers that run on CUDA today (linear and convolutions through cuBLAS, recurrent
// layers through cuDNN, the norms, the elementwise helpers, activations, dropout and log-softmax),
// device vs CPU.
// The CPU side's products go through a plain row-major sgemm of this file, in double, handed to the
// library with ctc4j_nn_set_sgemm (the harness has no BLAS): a reference independent of both products.
#include <algorithm>
#include <climits>
#include <cmath>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "check/harness.h"
#include "common/conv_geometry.h"
#include "ctc4j/nn.h"

namespace harness {
namespace {

// cblas_sgemm, row-major only (all ctc4j asks for), rows of c split over the machine's threads.
void reference_sgemm(int order, int trans_a, int trans_b, int m, int n, int k, float alpha, const float* a, int lda,
                     const float* b, int ldb, float beta, float* c, int ldc) {
  constexpr int kRowMajor = 101, kTrans = 112;
  if (order != kRowMajor) throw std::logic_error("reference sgemm: row-major only");
  auto at = [&](int64_t i, int64_t p) { return trans_a == kTrans ? a[p * lda + i] : a[i * lda + p]; };
  auto bt = [&](int64_t p, int64_t j) { return trans_b == kTrans ? b[j * ldb + p] : b[p * ldb + j]; };
  auto rows = [&](int begin, int end) {
    for (int i = begin; i < end; ++i) {
      for (int j = 0; j < n; ++j) {
        float& cij = c[int64_t{i} * ldc + j];
        double sum = 0;
        for (int p = 0; p < k; ++p) sum += double{at(i, p)} * bt(p, j);
        cij = static_cast<float>(alpha * sum + (beta == 0.0f ? 0.0 : double{beta} * cij));
      }
    }
  };
  const int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int per = (m + threads - 1) / threads;
  std::vector<std::thread> pool;
  for (int begin = 0; begin < m; begin += per) pool.emplace_back(rows, begin, std::min(m, begin + per));
  for (std::thread& t : pool) t.join();
}

// Sums of `depth` products of unit normals, in float on the device: abs 2e-6 * depth + rel 1e-4.
Result check_linear(const Context& c, Random& rng, int64_t rows, int64_t in, int64_t out) {
  CTC4J_CHECK(ctc4j_nn_set_sgemm(reinterpret_cast<void*>(&reference_sgemm)));
  const std::vector<float> x = rng.normals(rows * in), w = rng.normals(out * in), bias = rng.normals(out),
                           dy = rng.normals(rows * out), dw0 = rng.normals(out * in), db0 = rng.normals(out);
  struct Outputs {
    std::vector<float> y, dx, dw, dbias;
  };
  auto run = [&](int device, double* ms) {
    Buffer<float> xs(device, x), ws(device, w), bs(device, bias), dys(device, dy), y(device, rows * out),
        dx(device, rows * in), dw(device, dw0), db(device, db0);
    y.poison(), dx.poison();
    ctc4j_nn_linear l = ctc4j_nn_default_linear();
    l.rows = rows, l.in = in, l.out = out, l.w = ws.get(), l.bias = bs.get(), l.dw = dw.get(), l.dbias = db.get();
    *ms = time_ms([&] {
      CTC4J_CHECK(ctc4j_nn_linear_forward(device, &l, xs.get(), y.get()));
      CTC4J_CHECK(ctc4j_nn_linear_backward(device, &l, xs.get(), dys.get(), dx.get()));
    });
    return Outputs{y.download(), dx.download(), dw.download(), db.download()};
  };
  Result r;
  const Outputs got = run(c.device, &r.device_ms), want = run(CTC4J_CPU, &r.cpu_ms);
  r.tolerance = "abs 2e-6 x depth + rel 1e-4 (float sums on the device against double)";
  r.add("y", compare(got.y, want.y, 2e-6 * in, 1e-4));
  r.add("dx", compare(got.dx, want.dx, 2e-6 * out, 1e-4));
  r.add("dw (accumulated)", compare(got.dw, want.dw, 2e-6 * rows, 1e-4));
  r.add("dbias (accumulated)", compare(got.dbias, want.dbias, 2e-6 * rows, 1e-4));
  return r;
}

// Each activation forward and backward; inputs spread over Hardtanh's bounds and GELU's tail split.
Result check_activations(const Context& c, Random& rng, int64_t n) {
  const std::vector<float> x = rng.normals(n, 3.0f), dy = rng.normals(n);
  Result r;
  r.tolerance = "ReLU, Hardtanh exact; GELU abs 1e-6 + rel 1e-5 (the shared polynomials, contracted differently)";
  for (int kind : {CTC4J_RELU, CTC4J_HARDTANH, CTC4J_GELU}) {
    auto run = [&](int device, double* ms) {
      Buffer<float> xs(device, x), dys(device, dy), y(device, n), dx(device, n);
      y.poison(), dx.poison();
      *ms = time_ms([&] {
        CTC4J_CHECK(ctc4j_nn_activation_forward(device, kind, -1.0f, 2.0f, xs.get(), y.get(), n));
        CTC4J_CHECK(ctc4j_nn_activation_backward(device, kind, -1.0f, 2.0f, xs.get(), dys.get(), dx.get(), n));
      });
      return std::vector<std::vector<float>>{y.download(), dx.download()};
    };
    const auto got = run(c.device, &r.device_ms), want = run(CTC4J_CPU, &r.cpu_ms);
    const double tol = kind == CTC4J_GELU ? 1e-6 : 0.0, rel = kind == CTC4J_GELU ? 1e-5 : 0.0;
    const std::string name = kind == CTC4J_RELU ? "relu" : kind == CTC4J_HARDTANH ? "hardtanh" : "gelu";
    r.add(name + " forward", compare(got[0], want[0], tol, rel));
    r.add(name + " backward", compare(got[1], want[1], tol, rel));
  }
  return r;
}

// The counter-based mask is the same draw on both sides: equal masks and outputs.
Result check_dropout(const Context& c, Random& rng, int64_t n) {
  const std::vector<float> x = rng.normals(n);
  const uint64_t seed = static_cast<uint64_t>(rng.integer(0, INT64_MAX));
  auto run = [&](int device, double* ms) {
    Buffer<float> xs(device, x), y(device, n), mask(device, n);
    y.poison(), mask.poison();
    *ms = time_ms([&] { CTC4J_CHECK(ctc4j_nn_dropout_forward(device, 0.3f, seed, xs.get(), y.get(), mask.get(), n)); });
    return std::vector<std::vector<float>>{y.download(), mask.download()};
  };
  Result r;
  const auto got = run(c.device, &r.device_ms), want = run(CTC4J_CPU, &r.cpu_ms);
  r.tolerance = "exact";
  r.add("dropout y", compare_exact(got[0], want[0]));
  r.add("dropout mask", compare_exact(got[1], want[1]));
  return r;
}

// A convolution forward and backward (dw, dbias accumulated onto random values) over x[batch, channels,
// height, width]: float sums of `patch` (forward, dw: of batch x plane) products, abs 2e-6 x depth + rel 1e-4.
Result check_conv(const Context& c, Random& rng, ctc4j_nn_conv2d conv) {
  CTC4J_CHECK(ctc4j_nn_set_sgemm(reinterpret_cast<void*>(&reference_sgemm)));
  int64_t out_h = 0, out_w = 0;
  CTC4J_CHECK(ctc4j_nn_conv2d_output(&conv, &out_h, &out_w));
  const int64_t in = conv.batch * conv.in_channels * conv.height * conv.width, out = conv.batch * conv.out_channels *
                                                                                    out_h * out_w;
  const int64_t patch = conv.in_channels / conv.groups * conv.kernel_h * conv.kernel_w;
  const int64_t weights = conv.out_channels * patch;
  const std::vector<float> x = rng.normals(in), w = rng.normals(weights), bias = rng.normals(conv.out_channels),
                           dy = rng.normals(out), dw0 = rng.normals(weights), db0 = rng.normals(conv.out_channels);
  auto run = [&](int device, double* ms) {
    Buffer<float> xs(device, x), ws(device, w), bs(device, bias), dys(device, dy), y(device, out), dx(device, in),
        dw(device, dw0), db(device, db0);
    y.poison(), dx.poison();
    ctc4j_nn_conv2d l = conv;
    l.w = ws.get(), l.bias = bs.get(), l.dw = dw.get(), l.dbias = db.get();
    *ms = time_ms([&] {
      CTC4J_CHECK(ctc4j_nn_conv2d_forward(device, &l, xs.get(), y.get()));
      CTC4J_CHECK(ctc4j_nn_conv2d_backward(device, &l, xs.get(), dys.get(), dx.get()));
    });
    return std::vector<std::vector<float>>{y.download(), dx.download(), dw.download(), db.download()};
  };
  Result r;
  const auto got = run(c.device, &r.device_ms), want = run(CTC4J_CPU, &r.cpu_ms);
  const double sums = 2e-6 * static_cast<double>(conv.batch * out_h * out_w);
  r.tolerance = "abs 2e-6 x depth + rel 1e-4 (float sums on the device against double)";
  r.add("y", compare(got[0], want[0], 2e-6 * patch, 1e-4));
  r.add("dx", compare(got[1], want[1], 2e-6 * conv.out_channels / conv.groups * conv.kernel_h * conv.kernel_w, 1e-4));
  r.add("dw (accumulated)", compare(got[2], want[2], sums, 1e-4));
  r.add("dbias (accumulated)", compare(got[3], want[3], sums, 1e-4));
  return r;
}

// The CUDA convolution's per-element im2col and col2im (common/conv_geometry.h) run here on the host:
// weights x columns, and the input gradient gathered from weights^T x dy, equal our CPU convolution's
// (tested against libtorch) within float rounding. The device plays no part: this checks the kernels'
// index math wherever the harness runs, the dry run included.
void add_conv_index_math(Result& r, Random& rng, ctc4j_nn_conv2d conv, const std::string& label) {
  CTC4J_CHECK(ctc4j_nn_set_sgemm(reinterpret_cast<void*>(&reference_sgemm)));
  int64_t out_h = 0, out_w = 0;
  CTC4J_CHECK(ctc4j_nn_conv2d_output(&conv, &out_h, &out_w));
  const ctc4j::ConvGeometry g{conv.batch,    conv.in_channels, conv.height,     conv.width,     conv.out_channels,
                              conv.kernel_h, conv.kernel_w,    conv.stride_h,   conv.stride_w,  conv.pad_h,
                              conv.pad_w,    conv.dilation_h,  conv.dilation_w, conv.groups,    out_h,
                              out_w};
  const int64_t in = g.channels * g.height * g.width, out = g.out_channels * g.out_plane(), plane = g.out_plane();
  const int64_t rows = g.channels * g.kh * g.kw;
  const std::vector<float> x = rng.normals(g.batch * in), w = rng.normals(g.out_channels * g.patch()),
                           dy = rng.normals(g.batch * out);
  std::vector<float> want_y(g.batch * out), want_dx(g.batch * in), y(g.batch * out), dx(g.batch * in);
  ctc4j_nn_conv2d l = conv;
  l.w = w.data();
  CTC4J_CHECK(ctc4j_nn_conv2d_forward(CTC4J_CPU, &l, x.data(), want_y.data()));
  CTC4J_CHECK(ctc4j_nn_conv2d_backward(CTC4J_CPU, &l, x.data(), dy.data(), want_dx.data()));
  std::vector<float> cols(rows * plane), dcols(rows * plane);
  for (int64_t n = 0; n < g.batch; ++n) {
    for (int64_t e = 0; e < rows * plane; ++e) cols[e] = g.column(x.data() + n * in, e);
    for (int64_t k = 0; k < g.groups; ++k) {
      for (int64_t o = 0; o < g.group_out(); ++o) {
        const float* wo = w.data() + (k * g.group_out() + o) * g.patch();
        for (int64_t p = 0; p < plane; ++p) {
          double sum = 0;
          for (int64_t q = 0; q < g.patch(); ++q) sum += double{wo[q]} * cols[(k * g.patch() + q) * plane + p];
          y[n * out + (k * g.group_out() + o) * plane + p] = static_cast<float>(sum);
        }
      }
      for (int64_t q = 0; q < g.patch(); ++q) {
        for (int64_t p = 0; p < plane; ++p) {
          double sum = 0;
          for (int64_t o = 0; o < g.group_out(); ++o) {
            const int64_t channel = k * g.group_out() + o;
            sum += double{w[channel * g.patch() + q]} * dy[n * out + channel * plane + p];
          }
          dcols[(k * g.patch() + q) * plane + p] = static_cast<float>(sum);
        }
      }
    }
    for (int64_t e = 0; e < in; ++e) dx[n * in + e] = g.input_gradient(dcols.data(), e);
  }
  r.add(label + " y (im2col on the host)", compare(y, want_y, 2e-6 * g.patch(), 1e-4));
  r.add(label + " dx (col2im gather on the host)", compare(dx, want_dx, 2e-6 * g.group_out() * g.kh * g.kw, 1e-4));
}

ctc4j_nn_conv2d conv_shape(int64_t batch, int64_t in, int64_t height, int64_t width, int64_t out,
                           std::initializer_list<int64_t> kernel_stride_pad_dilation, int64_t groups) {
  ctc4j_nn_conv2d conv = ctc4j_nn_default_conv2d();
  const int64_t* k = kernel_stride_pad_dilation.begin();  // kh, kw, sh, sw, ph, pw, dh, dw
  conv.batch = batch, conv.in_channels = in, conv.height = height, conv.width = width, conv.out_channels = out;
  conv.kernel_h = k[0], conv.kernel_w = k[1], conv.stride_h = k[2], conv.stride_w = k[3];
  conv.pad_h = k[4], conv.pad_w = k[5], conv.dilation_h = k[6], conv.dilation_w = k[7], conv.groups = groups;
  return conv;
}

// Batch norm over x[n, channels, spatial] (spatial 1: DeepSpeech2's sequence-wise norm), in training
// (batch statistics, running averages updated) or inference, forward and backward with dgamma/dbeta
// accumulated onto random values. Statistics in double on both sides: abs 1e-5 + rel 1e-4.
Result check_batch_norm(const Context& c, Random& rng, int64_t n, int64_t channels, int64_t spatial, bool training) {
  const int64_t size = n * channels * spatial;
  const std::vector<float> x = rng.normals(size, 3.0f), dy = rng.normals(size), gamma = rng.normals(channels),
                           beta = rng.normals(channels), mean0 = rng.normals(channels),
                           var0 = rng.uniforms(channels, 0.5f, 2.0f), dg0 = rng.normals(channels),
                           db0 = rng.normals(channels);
  auto run = [&](int device, double* ms) {
    Buffer<float> xs(device, x), dys(device, dy), g(device, gamma), b(device, beta), mean(device, mean0),
        var(device, var0), dg(device, dg0), db(device, db0), y(device, size), dx(device, size),
        save_mean(device, channels), save_invstd(device, channels);
    y.poison(), dx.poison(), save_mean.poison(), save_invstd.poison();
    ctc4j_nn_batch_norm bn = ctc4j_nn_default_batch_norm();
    bn.n = n, bn.channels = channels, bn.spatial = spatial, bn.gamma = g.get(), bn.beta = b.get();
    bn.dgamma = dg.get(), bn.dbeta = db.get(), bn.running_mean = mean.get(), bn.running_var = var.get();
    bn.training = training, bn.save_mean = save_mean.get(), bn.save_invstd = save_invstd.get();
    *ms = time_ms([&] {
      CTC4J_CHECK(ctc4j_nn_batch_norm_forward(device, &bn, xs.get(), y.get()));
      CTC4J_CHECK(ctc4j_nn_batch_norm_backward(device, &bn, xs.get(), dys.get(), dx.get()));
    });
    return std::vector<std::vector<float>>{y.download(),    dx.download(), dg.download(), db.download(),
                                           mean.download(), var.download()};
  };
  Result r;
  const auto got = run(c.device, &r.device_ms), want = run(CTC4J_CPU, &r.cpu_ms);
  r.tolerance = "abs 1e-5 + rel 1e-4; dgamma, dbeta abs 1e-6 x count + rel 1e-4 (sums in double)";
  const double sums = 1e-6 * static_cast<double>(n * spatial);
  const char* names[] = {"y", "dx", "dgamma (accumulated)", "dbeta (accumulated)", "running mean", "running var"};
  for (int i = 0; i < 6; ++i) r.add(names[i], compare(got[i], want[i], i == 2 || i == 3 ? sums : 1e-5, 1e-4));
  return r;
}

// Layer norm over x[outer, features, inner] (inner 1: rows; inner > 1: ResCNN's norm over the mel axis).
Result check_layer_norm(const Context& c, Random& rng, int64_t outer, int64_t features, int64_t inner) {
  const int64_t size = outer * features * inner, positions = outer * inner;
  const std::vector<float> x = rng.normals(size, 2.0f), dy = rng.normals(size), gamma = rng.normals(features),
                           beta = rng.normals(features), dg0 = rng.normals(features), db0 = rng.normals(features);
  auto run = [&](int device, double* ms) {
    Buffer<float> xs(device, x), dys(device, dy), g(device, gamma), b(device, beta), dg(device, dg0), db(device, db0),
        y(device, size), dx(device, size), save_mean(device, positions), save_invstd(device, positions);
    y.poison(), dx.poison();
    ctc4j_nn_layer_norm ln = ctc4j_nn_default_layer_norm();
    ln.outer = outer, ln.features = features, ln.inner = inner, ln.gamma = g.get(), ln.beta = b.get();
    ln.dgamma = dg.get(), ln.dbeta = db.get(), ln.save_mean = save_mean.get(), ln.save_invstd = save_invstd.get();
    *ms = time_ms([&] {
      CTC4J_CHECK(ctc4j_nn_layer_norm_forward(device, &ln, xs.get(), y.get()));
      CTC4J_CHECK(ctc4j_nn_layer_norm_backward(device, &ln, xs.get(), dys.get(), dx.get()));
    });
    return std::vector<std::vector<float>>{y.download(), dx.download(), dg.download(), db.download()};
  };
  Result r;
  const auto got = run(c.device, &r.device_ms), want = run(CTC4J_CPU, &r.cpu_ms);
  r.tolerance = "abs 1e-5 + rel 1e-4; dgamma, dbeta abs 1e-6 x positions + rel 1e-4 (sums in double)";
  const double sums = 1e-6 * static_cast<double>(positions);
  r.add("y", compare(got[0], want[0], 1e-5, 1e-4));
  r.add("dx", compare(got[1], want[1], 1e-5, 1e-4));
  r.add("dgamma (accumulated)", compare(got[2], want[2], sums, 1e-4));
  r.add("dbeta (accumulated)", compare(got[3], want[3], sums, 1e-4));
  return r;
}

// Sum of halves, frame masking (random lengths, one of them 0) and two permutations of x[a, b, c, d]
// (ctc4j's [N, F, T] -> [T, N, F] and a rank-4 shuffle), all exact.
Result check_helpers(const Context& c, Random& rng, int64_t a, int64_t b, int64_t cc, int64_t d) {
  const int64_t n = a * b * cc * d, rows = n / (2 * d);  // sum of halves: rows of 2 d, the last odd one left
  const std::vector<float> x = rng.normals(n);
  std::vector<int32_t> lengths(a * b);
  for (auto& length : lengths) length = static_cast<int32_t>(rng.integer(0, cc * d));
  lengths[0] = 0;
  const int64_t shape3[3] = {a, b, cc * d}, shape4[4] = {a, b, cc, d};
  const int32_t perm3[3] = {2, 0, 1}, perm4[4] = {3, 1, 0, 2};
  auto run = [&](int device, double* ms) {
    Buffer<float> xs(device, x), halves(device, rows * d), repeated(device, rows * 2 * d), masked(device, x),
        p3(device, n), p4(device, n);
    halves.poison(), repeated.poison(), p3.poison(), p4.poison();
    *ms = time_ms([&] {
      CTC4J_CHECK(ctc4j_nn_sum_halves(device, xs.get(), rows, d, halves.get()));
      CTC4J_CHECK(ctc4j_nn_repeat_halves(device, xs.get(), rows, d, repeated.get()));
      CTC4J_CHECK(ctc4j_nn_mask_frames(device, masked.get(), a, b, cc * d, lengths.data()));
      CTC4J_CHECK(ctc4j_nn_permute(device, xs.get(), 3, shape3, perm3, p3.get()));
      CTC4J_CHECK(ctc4j_nn_permute(device, xs.get(), 4, shape4, perm4, p4.get()));
    });
    return std::vector<std::vector<float>>{halves.download(), masked.download(), p3.download(), p4.download(),
                                           repeated.download()};
  };
  Result r;
  const auto got = run(c.device, &r.device_ms), want = run(CTC4J_CPU, &r.cpu_ms);
  r.tolerance = "exact";
  r.add("sum of halves", compare_exact(got[0], want[0]));
  r.add("repeated halves", compare_exact(got[4], want[4]));
  r.add("masked frames", compare_exact(got[1], want[1]));
  r.add("permute [N, F, T] -> [T, N, F]", compare_exact(got[2], want[2]));
  r.add("permute rank 4 (3, 1, 0, 2)", compare_exact(got[3], want[3]));
  return r;
}

Result check_log_softmax(const Context& c, Random& rng, int64_t rows, int64_t cols) {
  const std::vector<float> x = rng.normals(rows * cols, 4.0f), dy = rng.normals(rows * cols);
  auto run = [&](int device, double* ms) {
    Buffer<float> xs(device, x), dys(device, dy), y(device, x.size()), dx(device, x.size());
    y.poison(), dx.poison();
    *ms = time_ms([&] {
      CTC4J_CHECK(ctc4j_nn_log_softmax_forward(device, xs.get(), rows, cols, y.get()));
      CTC4J_CHECK(ctc4j_nn_log_softmax_backward(device, y.get(), dys.get(), rows, cols, dx.get()));
    });
    return std::vector<std::vector<float>>{y.download(), dx.download()};
  };
  Result r;
  const auto got = run(c.device, &r.device_ms), want = run(CTC4J_CPU, &r.cpu_ms);
  r.tolerance = "forward abs 1e-5 + rel 1e-5, backward abs 1e-5 + rel 1e-4 (row sums in double on both sides)";
  r.add("log-softmax forward", compare(got[0], want[0], 1e-5, 1e-5));
  r.add("log-softmax backward", compare(got[1], want[1], 1e-5, 1e-4));
  return r;
}

// A recurrent layer's inputs: random lengths in [1, steps] (the first utterance the full length),
// random initial states, weights uniform in +-1/sqrt(H) (PyTorch's initialisation).
struct RnnCase {
  int cell, count;
  int64_t steps, batch, input, hidden;
  std::vector<int32_t> lengths;
  std::vector<std::vector<float>> weights;  // per direction w_ih, w_hh, b_ih, b_hh
  std::vector<float> x, h0, c0;

  bool lstm() const { return cell == CTC4J_LSTM; }
  int64_t state() const { return count * batch * hidden; }
  int64_t outputs() const { return steps * batch * count * hidden; }
};

RnnCase rnn_case(Random& rng, int cell, int count, int64_t steps, int64_t batch, int64_t input, int64_t hidden) {
  RnnCase k{cell, count, steps, batch, input, hidden, std::vector<int32_t>(batch), {}, {}, {}, {}};
  const int64_t gates = (k.lstm() ? 4 : 3) * hidden;
  const float bound = 1.0f / std::sqrt(static_cast<float>(hidden));
  for (int64_t b = 0; b < batch; ++b) k.lengths[b] = b == 0 ? steps : static_cast<int32_t>(rng.integer(1, steps));
  for (int d = 0; d < count; ++d) {
    for (int64_t n : {gates * input, gates * hidden, gates, gates}) k.weights.push_back(rng.uniforms(n, -bound, bound));
  }
  k.x = rng.normals(steps * batch * input), k.h0 = rng.normals(k.state()), k.c0 = rng.normals(k.state());
  return k;
}

using Buffers = std::vector<std::unique_ptr<Buffer<float>>>;

Buffers upload_all(int device, const std::vector<std::vector<float>>& hosts) {
  Buffers out;
  for (const auto& host : hosts) out.push_back(std::make_unique<Buffer<float>>(device, host));
  return out;
}

// The case's directions over weights w (4 per direction) and, when set, gradients g (likewise).
std::vector<ctc4j_nn_rnn> directions_of(const RnnCase& k, const Buffers& w, const Buffers* g) {
  std::vector<ctc4j_nn_rnn> directions(k.count);
  for (int d = 0; d < k.count; ++d) {
    ctc4j_nn_rnn& r = directions[d];
    r = ctc4j_nn_default_rnn();
    r.cell = k.cell, r.reverse = d, r.steps = k.steps, r.batch = k.batch, r.input = k.input, r.hidden = k.hidden;
    r.lengths = k.lengths.data(), r.y_stride = r.dy_stride = k.count * k.hidden;
    r.w_ih = w[4 * d]->get(), r.w_hh = w[4 * d + 1]->get(), r.b_ih = w[4 * d + 2]->get(), r.b_hh = w[4 * d + 3]->get();
    if (g != nullptr) {
      r.dw_ih = (*g)[4 * d]->get(), r.dw_hh = (*g)[4 * d + 1]->get();
      r.db_ih = (*g)[4 * d + 2]->get(), r.db_hh = (*g)[4 * d + 3]->get();
    }
  }
  return directions;
}

// A whole recurrent layer's inference forward: cuDNN on the device, our per-direction kernels on the CPU.
Result check_rnn_layer(const Context& c, Random& rng, int cell, int count, int64_t steps, int64_t batch,
                       int64_t input, int64_t hidden) {
  CTC4J_CHECK(ctc4j_nn_set_sgemm(reinterpret_cast<void*>(&reference_sgemm)));
  const RnnCase k = rnn_case(rng, cell, count, steps, batch, input, hidden);
  auto run = [&](int device, double* ms) {
    const Buffers w = upload_all(device, k.weights);
    Buffer<float> xs(device, k.x), h(device, k.h0), cs(device, k.c0), y(device, k.outputs()), h_n(device, k.state()),
        c_n(device, k.state());
    y.poison(), h_n.poison(), c_n.poison();
    const std::vector<ctc4j_nn_rnn> directions = directions_of(k, w, nullptr);
    *ms = time_ms([&] {
      CTC4J_CHECK(ctc4j_nn_rnn_layer_forward(device, directions.data(), count, xs.get(), h.get(),
                                             k.lstm() ? cs.get() : nullptr, y.get(), h_n.get(),
                                             k.lstm() ? c_n.get() : nullptr));
    });
    return std::vector<std::vector<float>>{y.download(), h_n.download(), c_n.download()};
  };
  Result r;
  const auto got = run(c.device, &r.device_ms), want = run(CTC4J_CPU, &r.cpu_ms);
  r.tolerance = "abs 2e-4 + rel 2e-4 (cuDNN's float gates against ours, over every step)";
  r.add("y (zero past each utterance)", compare(got[0], want[0], 2e-4, 2e-4));
  r.add("h_n", compare(got[1], want[1], 2e-4, 2e-4));
  if (k.lstm()) r.add("c_n", compare(got[2], want[2], 2e-4, 2e-4));
  return r;
}

// Training: forward into the workspace (cuDNN's reserve space on the device, each direction's own on the
// CPU), then backward with random dy (zero past each utterance's end), dh_n and dc_n; dx and the weight
// gradients accumulate onto random values, as the contract says.
Result check_rnn_layer_training(const Context& c, Random& rng, int cell, int count, int64_t steps, int64_t batch,
                                int64_t input, int64_t hidden) {
  CTC4J_CHECK(ctc4j_nn_set_sgemm(reinterpret_cast<void*>(&reference_sgemm)));
  const RnnCase k = rnn_case(rng, cell, count, steps, batch, input, hidden);
  std::vector<float> dy = rng.normals(k.outputs());
  for (int64_t t = 0; t < steps; ++t) {
    for (int64_t b = 0; b < batch; ++b) {
      if (t >= k.lengths[b]) std::fill_n(dy.begin() + (t * batch + b) * count * hidden, count * hidden, 0.0f);
    }
  }
  const std::vector<float> dh_n = rng.normals(k.state()), dc_n = rng.normals(k.state()),
                           dx0 = rng.normals(steps * batch * input);
  std::vector<std::vector<float>> grads0;
  for (const auto& w : k.weights) grads0.push_back(rng.normals(w.size()));
  auto run = [&](int device, double* ms) {
    const Buffers w = upload_all(device, k.weights), g = upload_all(device, grads0);
    Buffer<float> xs(device, k.x), h(device, k.h0), cs(device, k.c0), y(device, k.outputs()), dys(device, dy),
        dhn(device, dh_n), dcn(device, dc_n), dx(device, dx0), dh0(device, k.state()), dc0(device, k.state());
    dh0.poison(), dc0.poison();
    std::vector<ctc4j_nn_rnn> directions = directions_of(k, w, &g);
    int64_t floats = 0;
    CTC4J_CHECK(ctc4j_nn_rnn_layer_workspace_size(device, directions.data(), count, &floats));
    Buffers workspaces;  // the CPU: one per direction; CUDA: the layer's one, in directions[0]
    for (int d = 0; d < (device == CTC4J_CPU ? count : 1); ++d) {
      workspaces.push_back(std::make_unique<Buffer<float>>(device, static_cast<size_t>(floats)));
      directions[d].workspace = workspaces.back()->get();
    }
    const float* c0 = k.lstm() ? cs.get() : nullptr;
    *ms = time_ms([&] {
      CTC4J_CHECK(ctc4j_nn_rnn_layer_forward(device, directions.data(), count, xs.get(), h.get(), c0, y.get(),
                                             nullptr, nullptr));
      CTC4J_CHECK(ctc4j_nn_rnn_layer_backward(device, directions.data(), count, xs.get(), h.get(), c0, y.get(),
                                              dys.get(), dhn.get(), k.lstm() ? dcn.get() : nullptr, dx.get(),
                                              dh0.get(), k.lstm() ? dc0.get() : nullptr));
    });
    std::vector<std::vector<float>> out{dx.download(), dh0.download(), dc0.download()};
    for (const auto& grad : g) out.push_back(grad->download());
    return out;
  };
  Result r;
  const auto got = run(c.device, &r.device_ms), want = run(CTC4J_CPU, &r.cpu_ms);
  const double sums = 1e-5 * static_cast<double>(steps * batch);  // weight gradients sum over every frame
  r.tolerance = "dx, dh0, dc0 abs 1e-3 + rel 1e-3; weight gradients abs 1e-5 x steps x batch + rel 1e-3";
  r.add("dx (accumulated)", compare(got[0], want[0], 1e-3, 1e-3));
  r.add("dh0", compare(got[1], want[1], 1e-3, 1e-3));
  if (k.lstm()) r.add("dc0", compare(got[2], want[2], 1e-3, 1e-3));
  const char* names[] = {"dw_ih", "dw_hh", "db_ih", "db_hh"};
  for (size_t i = 0; i < grads0.size(); ++i) {
    r.add(std::string(names[i % 4]) + (i >= 4 ? " reverse" : "") + " (accumulated)",
          compare(got[3 + i], want[3 + i], sums, 1e-3));
  }
  return r;
}

}  // namespace

void add_nn_checks(std::vector<Check>& out) {
  out.push_back({"linear.small", false, [](const Context& c, Random& rng) {
                   return check_linear(c, rng, 37, 50, 29);
                 }});
  out.push_back({"linear.4096x1024x1024", true, [](const Context& c, Random& rng) {  // 16 utterances x 256 frames
                   return check_linear(c, rng, c.shrink(4096, 256), 1024, c.shrink(1024, 256));
                 }});
  out.push_back({"activations.small", false, [](const Context& c, Random& rng) {
                   return check_activations(c, rng, 5003);
                 }});
  out.push_back({"activations.n10M", true, [](const Context& c, Random& rng) {
                   return check_activations(c, rng, c.shrink(10'000'000, 100'000));
                 }});
  out.push_back({"conv.index_math", false, [](const Context&, Random& rng) {
                   Result r;
                   r.tolerance = "abs 2e-6 x depth + rel 1e-4 (both sides float, summed in different orders)";
                   add_conv_index_math(r, rng, conv_shape(3, 4, 9, 17, 6, {3, 5, 2, 2, 1, 2, 1, 2}, 2), "groups 2");
                   add_conv_index_math(r, rng, conv_shape(2, 13, 1, 40, 8, {1, 5, 1, 2, 0, 2, 1, 1}, 1), "conv1d");
                   add_conv_index_math(r, rng, conv_shape(1, 1, 161, 60, 4, {41, 11, 2, 2, 20, 5, 1, 1}, 1), "DS2");
                   add_conv_index_math(r, rng, conv_shape(2, 6, 7, 8, 3, {3, 3, 3, 1, 2, 0, 2, 1}, 3), "stride 3");
                   return r;
                 }});
  out.push_back({"conv2d.small", false, [](const Context& c, Random& rng) {  // stride, padding, dilation, 2 groups
                   return check_conv(c, rng, conv_shape(3, 4, 9, 17, 6, {3, 5, 2, 2, 1, 2, 1, 2}, 2));
                 }});
  out.push_back({"conv1d.small", false, [](const Context& c, Random& rng) {  // AN4's front end, shrunk
                   return check_conv(c, rng, conv_shape(2, 13, 1, 40, 8, {1, 5, 1, 2, 0, 2, 1, 1}, 1));
                 }});
  out.push_back({"conv2d.deepspeech2.16x1x161x400", true, [](const Context& c, Random& rng) {  // DS2's first conv
                   return check_conv(c, rng, conv_shape(c.shrink(16, 1), 1, 161, c.shrink(400, 40), 32,
                                                        {41, 11, 2, 2, 20, 5, 1, 1}, 1));
                 }});
  out.push_back({"conv1d.an4.16x80x800", true, [](const Context& c, Random& rng) {  // AN4's Conv1d, 8 s
                   return check_conv(c, rng, conv_shape(c.shrink(16, 2), 80, 1, c.shrink(800, 60), 256,
                                                        {1, 5, 1, 2, 0, 2, 1, 1}, 1));
                 }});
  for (bool training : {true, false}) {
    const std::string mode = training ? ".training" : ".inference";
    out.push_back({"batch_norm" + mode + ".small", false, [training](const Context& c, Random& rng) {
                     return check_batch_norm(c, rng, 3, 5, 37, training);
                   }});
    out.push_back({"batch_norm.sequence" + mode + ".small", false, [training](const Context& c, Random& rng) {
                     return check_batch_norm(c, rng, 41, 29, 1, training);
                   }});
  }
  out.push_back({"batch_norm.deepspeech2.16x32x81x400", true, [](const Context& c, Random& rng) {
                   return check_batch_norm(c, rng, c.shrink(16, 2), 32, 81 * c.shrink(400, 20), true);
                 }});
  out.push_back({"batch_norm.sequence.8000x1024", true, [](const Context& c, Random& rng) {  // 16 x 500 frames
                   return check_batch_norm(c, rng, c.shrink(8000, 200), 1024, 1, true);
                 }});
  out.push_back({"layer_norm.rows.small", false, [](const Context& c, Random& rng) {
                   return check_layer_norm(c, rng, 37, 45, 1);
                 }});
  out.push_back({"layer_norm.strided.small", false, [](const Context& c, Random& rng) {
                   return check_layer_norm(c, rng, 6, 16, 23);
                 }});
  out.push_back({"layer_norm.rows.1500x768", true, [](const Context& c, Random& rng) {  // wav2vec2's
                   return check_layer_norm(c, rng, c.shrink(1500, 100), 768, 1);
                 }});
  out.push_back({"layer_norm.rescnn.512x64x400", true, [](const Context& c, Random& rng) {  // 16 x 32 channels
                   return check_layer_norm(c, rng, c.shrink(512, 8), 64, c.shrink(400, 50));
                 }});
  out.push_back({"helpers.small", false, [](const Context& c, Random& rng) {
                   return check_helpers(c, rng, 3, 5, 7, 4);
                 }});
  out.push_back({"helpers.32x161x1600", true, [](const Context& c, Random& rng) {  // a batch of spectrograms
                   return check_helpers(c, rng, c.shrink(32, 4), 161, 400, 4);
                 }});
  out.push_back({"dropout.small", false, [](const Context& c, Random& rng) { return check_dropout(c, rng, 5003); }});
  out.push_back({"dropout.n10M", true, [](const Context& c, Random& rng) {
                   return check_dropout(c, rng, c.shrink(10'000'000, 100'000));
                 }});
  for (int cell : {CTC4J_LSTM, CTC4J_GRU}) {
    const std::string name = cell == CTC4J_LSTM ? "rnn_layer.lstm" : "rnn_layer.gru";
    out.push_back({name + ".small", false, [cell](const Context& c, Random& rng) {
                     return check_rnn_layer(c, rng, cell, 1, 23, 5, 13, 17);
                   }});
    out.push_back({name + ".bidirectional.small", false, [cell](const Context& c, Random& rng) {
                     return check_rnn_layer(c, rng, cell, 2, 23, 5, 13, 17);
                   }});
    out.push_back({name + ".bidirectional.1000x32x512", true, [cell](const Context& c, Random& rng) {
                     return check_rnn_layer(c, rng, cell, 2, c.shrink(1000, 50), c.shrink(32, 4), 512, 512);
                   }});
    out.push_back({name + ".training.small", false, [cell](const Context& c, Random& rng) {
                     return check_rnn_layer_training(c, rng, cell, 1, 23, 5, 13, 17);
                   }});
    out.push_back({name + ".training.bidirectional.small", false, [cell](const Context& c, Random& rng) {
                     return check_rnn_layer_training(c, rng, cell, 2, 23, 5, 13, 17);
                   }});
    out.push_back({name + ".training.bidirectional.200x16x256", true, [cell](const Context& c, Random& rng) {
                     return check_rnn_layer_training(c, rng, cell, 2, c.shrink(200, 30), c.shrink(16, 4), 256, 256);
                   }});
  }
  out.push_back({"log_softmax.small", false, [](const Context& c, Random& rng) {
                   return check_log_softmax(c, rng, 37, 29);
                 }});
  out.push_back({"log_softmax.20000x5000", true, [](const Context& c, Random& rng) {  // T 10,000 x batch 2, C 5,000
                   return check_log_softmax(c, rng, c.shrink(20000, 200), 5000);
                 }});
}

}  // namespace harness
