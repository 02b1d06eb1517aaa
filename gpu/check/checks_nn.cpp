// Neural-network layers that run on CUDA today (linear through cuBLAS, recurrent layers through
// cuDNN, activations, dropout and log-softmax), device vs CPU. The CPU side's products go through a
// plain row-major sgemm of this file, in double, handed to the library with ctc4j_nn_set_sgemm (the
// harness has no BLAS): a reference independent of both products.
#include <algorithm>
#include <climits>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "check/harness.h"
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

// A whole recurrent layer (cuDNN on the device, our per-direction kernels on the CPU): random lengths
// in [1, steps] (one utterance the full length), random initial states, weights uniform in +-1/sqrt(H)
// (PyTorch's initialisation).
Result check_rnn_layer(const Context& c, Random& rng, int cell, int count, int64_t steps, int64_t batch,
                       int64_t input, int64_t hidden) {
  CTC4J_CHECK(ctc4j_nn_set_sgemm(reinterpret_cast<void*>(&reference_sgemm)));
  const bool lstm = cell == CTC4J_LSTM;
  const int64_t gates = (lstm ? 4 : 3) * hidden, state = count * batch * hidden;
  const float bound = 1.0f / std::sqrt(static_cast<float>(hidden));
  std::vector<int32_t> lengths(batch);
  for (int64_t b = 0; b < batch; ++b) lengths[b] = b == 0 ? steps : static_cast<int32_t>(rng.integer(1, steps));
  std::vector<std::vector<float>> weights;  // per direction w_ih, w_hh, b_ih, b_hh
  for (int d = 0; d < count; ++d) {
    for (int64_t n : {gates * input, gates * hidden, gates, gates}) weights.push_back(rng.uniforms(n, -bound, bound));
  }
  const std::vector<float> x = rng.normals(steps * batch * input), h0 = rng.normals(state), c0 = rng.normals(state);
  auto run = [&](int device, double* ms) {
    std::vector<std::unique_ptr<Buffer<float>>> w;
    for (const auto& host : weights) w.push_back(std::make_unique<Buffer<float>>(device, host));
    Buffer<float> xs(device, x), h(device, h0), cs(device, c0), y(device, steps * batch * count * hidden),
        h_n(device, state), c_n(device, state);
    y.poison(), h_n.poison(), c_n.poison();
    ctc4j_nn_rnn directions[2];
    for (int d = 0; d < count; ++d) {
      ctc4j_nn_rnn& r = directions[d];
      r = ctc4j_nn_default_rnn();
      r.cell = cell, r.reverse = d, r.steps = steps, r.batch = batch, r.input = input, r.hidden = hidden;
      r.lengths = lengths.data(), r.y_stride = count * hidden;
      r.w_ih = w[4 * d]->get(), r.w_hh = w[4 * d + 1]->get();
      r.b_ih = w[4 * d + 2]->get(), r.b_hh = w[4 * d + 3]->get();
    }
    *ms = time_ms([&] {
      CTC4J_CHECK(ctc4j_nn_rnn_layer_forward(device, directions, count, xs.get(), h.get(), lstm ? cs.get() : nullptr,
                                             y.get(), h_n.get(), lstm ? c_n.get() : nullptr));
    });
    return std::vector<std::vector<float>>{y.download(), h_n.download(), c_n.download()};
  };
  Result r;
  const auto got = run(c.device, &r.device_ms), want = run(CTC4J_CPU, &r.cpu_ms);
  r.tolerance = "abs 2e-4 + rel 2e-4 (cuDNN's float gates against ours, over every step)";
  r.add("y (zero past each utterance)", compare(got[0], want[0], 2e-4, 2e-4));
  r.add("h_n", compare(got[1], want[1], 2e-4, 2e-4));
  if (lstm) r.add("c_n", compare(got[2], want[2], 2e-4, 2e-4));
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
  }
  out.push_back({"log_softmax.small", false, [](const Context& c, Random& rng) {
                   return check_log_softmax(c, rng, 37, 29);
                 }});
  out.push_back({"log_softmax.20000x5000", true, [](const Context& c, Random& rng) {  // T 10,000 x batch 2, C 5,000
                   return check_log_softmax(c, rng, c.shrink(20000, 200), 5000);
                 }});
}

}  // namespace harness
