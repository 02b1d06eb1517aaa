// CPU LSTM and GRU layers (one direction): the input projection of all frames is one sgemm, each
// step is one product against the recurrent weights plus one fused elementwise pass over the gates.
// Packed-sequence semantics: a row whose utterance has ended (or, reversed, not yet started) keeps
// its state and outputs zero; in backward its state gradient passes through unchanged.
//
// The recurrent states are kept with the utterances ordered longest first, so at every frame, in
// either direction, the active ones are a prefix and each step's recurrent product covers only
// them (as a PackedSequence's shrinking batch does): a batch of 2-6 s utterances does ~40% less.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "support/error.h"
#include "cpu/gemm_kernel.h"
#include "cpu/nn_blas.h"
#include "cpu/nn_packed.h"
#include "support/parallel.h"
#include "support/scratch.h"
#include "cpu/rnn_kernel.h"
#include "cpu/nn_rnn.h"

namespace ctc4j::cpu {

using nn::gemm;

namespace {

// Small batches run each step's recurrent product as a matrix-vector pass reading each block of
// weights once for the whole batch; larger ones (from packed_beats_matvec: batch 1 with AVX-512) a
// register-blocked product over weights packed once per call, or once per model (RnnPacked). (OpenBLAS
// sgemm packs all of w_hh on every call: at batch 1 that was 60% of the time.) Packing costs about as
// much as a few steps, so a call of fewer steps at a batch the matrix-vector pass serves does without it.
constexpr int64_t kMatvecBatch = 4;
constexpr int64_t kPackSteps = 32;

// w_hh [G, H] as gemm_packed_add's B operand: w_hh^T [H, G] for the forward product, w_hh [G, H]
// for the transposed (backward) one. Null when no step will use it.
const float* pack_recurrent(int64_t batch, int64_t steps, int64_t G, int64_t H, const float* w_hh, bool transposed,
                            ScratchFrame& scratch) {
  if (!packed_beats_matvec(batch) || (batch <= kMatvecBatch && steps < kPackSteps)) return nullptr;
  const int64_t k = transposed ? G : H, n = transposed ? H : G;
  float* packed = scratch.take<float>(packed_floats(k, n));
  pack_panels(w_hh, k, n, !transposed, 1, packed);
  return packed;
}

bool use_packed(int64_t batch, const float* packed) { return packed != nullptr && packed_beats_matvec(batch); }

// out[b, :G] += in[b, :H] w_hh^T (forward) for every row b of the batch; the packed product reads
// w_hh's panels from the last where descending.
void recurrent_product(int64_t batch, int64_t G, int64_t H, const float* in, const float* w_hh, const float* packed,
                       float* out, bool descending) {
  if (use_packed(batch, packed)) return packed_product(batch, H, G, in, H, packed, out, G, descending);
  CTC4J_SIMD_DISPATCH(gemm_nt_add)(batch, G, H, in, H, w_hh, out, G);
}

// out[b, :H] += in[b, :G] w_hh (backward).
void recurrent_product_transposed(int64_t batch, int64_t G, int64_t H, const float* in, const float* w_hh,
                                  const float* packed, float* out) {
  if (use_packed(batch, packed)) return packed_product(batch, G, H, in, G, packed, out, H);
  CTC4J_SIMD_DISPATCH(matvec_transposed_add)(w_hh, G, H, in, batch, out);
}

struct Rnn {
  bool lstm, reverse;
  int64_t steps, batch, input, hidden;
  const int32_t* lengths;
  std::vector<int64_t> order;  // utterance indices, longest first (stable): state row i is utterance order[i]

  int64_t gates() const { return (lstm ? 4 : 3) * hidden; }
  int64_t rows() const { return steps * batch; }
  int64_t state() const { return batch * hidden; }
  int64_t time(int64_t step) const { return reverse ? steps - 1 - step : step; }
  // Utterances with frame t: state rows [0, active(t)).
  int64_t active(int64_t t) const {
    int64_t n = 0;
    while (n < batch && lengths[order[n]] > t) ++n;
    return n;
  }
  // Copies state rows between the utterance order (of h0, h_n, dh0, ...) and the state order.
  void to_state_order(const float* by_utterance, float* by_row) const {
    for (int64_t i = 0; i < batch; ++i) std::copy_n(by_utterance + order[i] * hidden, hidden, by_row + i * hidden);
  }
  void to_utterance_order(const float* by_row, float* by_utterance) const {
    for (int64_t i = 0; i < batch; ++i) std::copy_n(by_row + i * hidden, hidden, by_utterance + order[i] * hidden);
  }
};

// Workspace, all indexed by frame t (rows t * batch + b):
//   gates [rows, 4H]  LSTM: i, f, g, o after activation; GRU: r, z, n, and W_hn h + b_hn
//   h_prev [rows, H]  the hidden state a frame starts from;  LSTM also c_prev and c [rows, H].
struct Workspace {
  float *gates, *h_prev, *c_prev, *c;
  Workspace(const Rnn& r, float* base) {
    gates = base;
    h_prev = gates + r.rows() * 4 * r.hidden;
    c_prev = h_prev + r.rows() * r.hidden;
    c = c_prev + r.rows() * r.hidden;
  }
  static int64_t floats(const Rnn& r) { return r.rows() * (4 + (r.lstm ? 3 : 1)) * r.hidden; }
};

// body(i, b) for every state row i (utterance b = order[i]), rows split into parallel tasks.
template <class Body>
void for_rows(const Rnn& r, Body&& body) {
  const int64_t per_task = nn::rows_per_task(r.hidden, 8192);
  parallel_for((r.batch + per_task - 1) / per_task, [&](int64_t task) {
    for (int64_t i = task * per_task; i < std::min(r.batch, (task + 1) * per_task); ++i) body(i, r.order[i]);
  });
}

// One frame t of the elementwise pass; hh and the states are in state order (rows [0, active)
// have frame t), gates, c_keep and y in utterance order.
void lstm_step(const Rnn& r, int64_t t, int64_t active, const float* hh, const float* h, const float* c, float* gates,
               float* h_out, float* c_out, float* c_keep, float* y, int64_t y_stride) {
  const int64_t H = r.hidden;
  for_rows(r, [&](int64_t i, int64_t b) {
    float* yb = y + (t * r.batch + b) * y_stride;
    if (i >= active) {
      std::copy(h + i * H, h + (i + 1) * H, h_out + i * H);
      std::copy(c + i * H, c + (i + 1) * H, c_out + i * H);
      std::fill(yb, yb + H, 0.0f);
      return;
    }
    float* g = gates + b * 4 * H;
    CTC4J_SIMD_DISPATCH(lstm_cell)(H, g, hh + i * 4 * H, c + i * H, c_out + i * H, h_out + i * H, yb);
    if (c_keep != nullptr) std::copy(c_out + i * H, c_out + (i + 1) * H, c_keep + b * H);
  });
}

void gru_step(const Rnn& r, int64_t t, int64_t active, const float* hh, const float* h, float* gates, float* h_out,
              float* y, int64_t y_stride) {
  const int64_t H = r.hidden;
  for_rows(r, [&](int64_t i, int64_t b) {
    float* yb = y + (t * r.batch + b) * y_stride;
    if (i >= active) {
      std::copy(h + i * H, h + (i + 1) * H, h_out + i * H);
      std::fill(yb, yb + H, 0.0f);
      return;
    }
    CTC4J_SIMD_DISPATCH(gru_cell)(H, gates + b * 4 * H, hh + i * 3 * H, h + i * H, h_out + i * H, yb);
  });
}

// The float32 products: the input projection of all frames is one product, over w_ih packed once per
// model where given (prepacked_serves) or through sgemm; each step's recurrent product runs over w_hh,
// packed (null where the matrix-vector pass serves every step).
RnnProducts float_products(const Rnn& r, const float* x, const float* w_ih, const float* w_hh, const float* b_ih,
                           const float* b_hh, const float* packed_ih, const float* packed_hh) {
  const int64_t G = r.gates(), H = r.hidden;
  return RnnProducts{[=, &r](float* gates) {
                       for (int64_t row = 0; row < r.rows(); ++row) {
                         if (b_ih != nullptr) std::copy(b_ih, b_ih + G, gates + row * 4 * H);
                         else std::fill(gates + row * 4 * H, gates + row * 4 * H + G, 0.0f);
                       }
                       if (packed_ih != nullptr && prepacked_serves(r.input, G)) {
                         packed_product(r.rows(), r.input, G, x, r.input, packed_ih, gates, 4 * H);
                       } else {
                         gemm(false, true, r.rows(), G, r.input, 1.0f, x, r.input, w_ih, r.input, 1.0f, gates, 4 * H);
                       }
                     },
                     // Steps read w_hh's panels in alternate directions, so each starts on the ones the
                     // step before read last, still in L2: a GRU direction of hidden 512 (3 MB of w_hh
                     // to L2's 1 MB on Zen 5) at batch 1, 32 steps, 1,400 -> 1,305 us.
                     [=, descending = false](int64_t active, const float* h, float* hh) mutable {
                       for (int64_t i = 0; i < active; ++i) {
                         if (b_hh != nullptr) std::copy(b_hh, b_hh + G, hh + i * G);
                         else std::fill(hh + i * G, hh + (i + 1) * G, 0.0f);
                       }
                       recurrent_product(active, G, H, h, w_hh, packed_hh, hh, descending);
                       descending = !descending;
                     }};
}

void forward(const Rnn& r, const RnnProducts& products, const float* h0, const float* c0, float* y, int64_t y_stride,
             float* h_n, float* c_n, float* ws, bool keep) {
  const int64_t G = r.gates(), H = r.hidden, S = r.state();
  Workspace w(r, ws);
  products.inputs(w.gates);  // every frame at once: gates[:, :G] = x w_ih^T + b_ih

  ScratchFrame scratch;
  float* hh = scratch.take<float>(r.batch * G + 4 * S);  // [batch, G]: h w_hh^T + b_hh
  float* h_cur = hh + r.batch * G;  // then four [batch, H] states in state order, ping-ponged
  float* h_next = h_cur + S;
  float* c_cur = h_next + S;
  float* c_next = c_cur + S;
  if (h0 != nullptr) r.to_state_order(h0, h_cur); else std::fill(h_cur, h_cur + S, 0.0f);
  if (r.lstm) {
    if (c0 != nullptr) r.to_state_order(c0, c_cur); else std::fill(c_cur, c_cur + S, 0.0f);
  }
  for (int64_t s = 0; s < r.steps; ++s) {
    const int64_t t = r.time(s), active = r.active(t);
    const float* h = h_cur;
    const float* c = c_cur;
    if (keep) {
      r.to_utterance_order(h_cur, w.h_prev + t * S);
      if (r.lstm) r.to_utterance_order(c_cur, w.c_prev + t * S);
    }
    products.recurrent(active, h, hh);
    float* gates = w.gates + t * r.batch * 4 * H;
    if (r.lstm) {
      lstm_step(r, t, active, hh, h, c, gates, h_next, c_next, keep ? w.c + t * S : nullptr, y, y_stride);
      std::swap(c_cur, c_next);
    } else {
      gru_step(r, t, active, hh, h, gates, h_next, y, y_stride);
    }
    std::swap(h_cur, h_next);
  }
  if (h_n != nullptr) r.to_utterance_order(h_cur, h_n);
  if (r.lstm && c_n != nullptr) r.to_utterance_order(c_cur, c_n);
}

// dX (the input-projection gradient) and dH (the recurrent one) per frame, in utterance order; for
// the LSTM they are the same buffer, for the GRU they differ in the candidate gate (dH's is scaled
// by r). dH's rows of the active utterances are also copied, in state order, to dh_active for the
// recurrent product; dh and dc are in state order.
void lstm_step_backward(const Rnn& r, int64_t t, int64_t active, const Workspace& w, const float* dy,
                        int64_t dy_stride, float* dh, float* dc, float* d_gates, float* dh_active) {
  const int64_t H = r.hidden, S = r.state();
  for_rows(r, [&](int64_t i, int64_t b) {
    float* dg = d_gates + b * 4 * H;
    if (i >= active) {
      std::fill(dg, dg + 4 * H, 0.0f);
      return;  // dh and dc pass through
    }
    const float* g = w.gates + (t * r.batch + b) * 4 * H;
    const float* dyb = dy + (t * r.batch + b) * dy_stride;
    CTC4J_SIMD_DISPATCH(lstm_cell_backward)(H, g, w.c_prev + t * S + b * H, w.c + t * S + b * H, dyb, dh + i * H,
                                            dc + i * H, dg);
    std::copy(dg, dg + 4 * H, dh_active + i * 4 * H);
  });
}

void gru_step_backward(const Rnn& r, int64_t t, int64_t active, const Workspace& w, const float* dy,
                       int64_t dy_stride, float* dh, float* dx_gates, float* dh_gates, float* dh_active) {
  const int64_t H = r.hidden, S = r.state();
  for_rows(r, [&](int64_t i, int64_t b) {
    float* dgx = dx_gates + b * 3 * H;
    float* dgh = dh_gates + b * 3 * H;
    if (i >= active) {
      std::fill(dgx, dgx + 3 * H, 0.0f);
      std::fill(dgh, dgh + 3 * H, 0.0f);
      return;
    }
    const float* g = w.gates + (t * r.batch + b) * 4 * H;
    const float* dyb = dy + (t * r.batch + b) * dy_stride;
    CTC4J_SIMD_DISPATCH(gru_cell_backward)(H, g, w.h_prev + t * S + b * H, dyb, dh + i * H, dgx, dgh);
    std::copy(dgh, dgh + 3 * H, dh_active + i * 3 * H);
  });
}

void backward(const Rnn& r, const float* x, const float* w_ih, const float* w_hh, const float* ws, const float* dy,
              int64_t dy_stride, const float* dh_n, const float* dc_n, float* dx, float* dh0, float* dc0, float* dw_ih,
              float* dw_hh, float* db_ih, float* db_hh) {
  const int64_t G = r.gates(), H = r.hidden, S = r.state();
  const Workspace w(r, const_cast<float*>(ws));
  ScratchFrame scratch;
  float* dx_gates = scratch.take<float>(r.rows() * G * (r.lstm ? 1 : 2) + r.batch * G + 2 * S);
  float* dh_gates = r.lstm ? dx_gates : dx_gates + r.rows() * G;
  float* dh_active = dh_gates + r.rows() * G;  // [batch, G]: one frame's dH rows in state order
  float* dh = dh_active + r.batch * G;  // dh and dc in state order
  float* dc = dh + S;
  const float* packed = pack_recurrent(r.batch, r.steps, G, H, w_hh, true, scratch);
  if (dh_n != nullptr) r.to_state_order(dh_n, dh); else std::fill(dh, dh + S, 0.0f);
  if (dc_n != nullptr && r.lstm) r.to_state_order(dc_n, dc); else std::fill(dc, dc + S, 0.0f);
  for (int64_t s = r.steps - 1; s >= 0; --s) {
    const int64_t t = r.time(s), active = r.active(t);
    float* dgx = dx_gates + t * r.batch * G;
    float* dgh = dh_gates + t * r.batch * G;
    if (r.lstm) lstm_step_backward(r, t, active, w, dy, dy_stride, dh, dc, dgx, dh_active);
    else gru_step_backward(r, t, active, w, dy, dy_stride, dh, dgx, dgh, dh_active);
    recurrent_product_transposed(active, G, H, dh_active, w_hh, packed, dh);  // dh_prev += dgh w_hh
  }
  if (dh0 != nullptr) r.to_utterance_order(dh, dh0);
  if (dc0 != nullptr && r.lstm) r.to_utterance_order(dc, dc0);
  if (dx != nullptr) gemm(false, false, r.rows(), r.input, G, 1.0f, dx_gates, G, w_ih, r.input, 1.0f, dx, r.input);
  if (dw_ih != nullptr) gemm(true, false, G, r.input, r.rows(), 1.0f, dx_gates, G, x, r.input, 1.0f, dw_ih, r.input);
  if (dw_hh != nullptr) gemm(true, false, G, H, r.rows(), 1.0f, dh_gates, G, w.h_prev, H, 1.0f, dw_hh, H);
  if (db_ih != nullptr) nn::add_column_sums(dx_gates, r.rows(), G, G, db_ih);
  if (db_hh != nullptr) nn::add_column_sums(dh_gates, r.rows(), G, G, db_hh);
}

Rnn make_rnn(const RnnShape& s) {
  std::vector<int64_t> order(s.batch);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return s.lengths[a] > s.lengths[b]; });
  return Rnn{s.lstm, s.reverse, s.steps, s.batch, s.input, s.hidden, s.lengths, std::move(order)};
}

}  // namespace

int64_t rnn_workspace_floats(bool lstm, int64_t steps, int64_t batch, int64_t hidden) {
  return Workspace::floats(Rnn{lstm, false, steps, batch, 1, hidden, nullptr, {}});
}

void rnn_forward(const RnnShape& shape, const float* x, const float* w_ih, const float* w_hh, const float* b_ih,
                 const float* b_hh, const float* h0, const float* c0, float* y, int64_t y_stride, float* h_n,
                 float* c_n, float* workspace, const RnnPacked& prepacked) {
  const Rnn r = make_rnn(shape);
  const bool keep = workspace != nullptr;
  ScratchFrame scratch;  // the workspace of an inference pass, the recurrent weights packed for this call
  float* ws = keep ? workspace : scratch.take<float>(Workspace::floats(r));
  const float* packed_hh = prepacked.w_hh != nullptr
                               ? prepacked.w_hh
                               : pack_recurrent(r.batch, r.steps, r.gates(), r.hidden, w_hh, false, scratch);
  forward(r, float_products(r, x, w_ih, w_hh, b_ih, b_hh, prepacked.w_ih, packed_hh), h0, c0, y, y_stride, h_n, c_n,
          ws, keep);
}

void rnn_forward(const RnnShape& shape, const RnnProducts& products, const float* h0, const float* c0, float* y,
                 int64_t y_stride, float* h_n, float* c_n) {
  const Rnn r = make_rnn(shape);
  ScratchFrame scratch;
  forward(r, products, h0, c0, y, y_stride, h_n, c_n, scratch.take<float>(Workspace::floats(r)), false);
}

void rnn_backward(const RnnShape& shape, const float* x, const float* w_ih, const float* w_hh, const float* workspace,
                  const float* dy, int64_t dy_stride, const float* dh_n, const float* dc_n, float* dx, float* dh0,
                  float* dc0, float* dw_ih, float* dw_hh, float* db_ih, float* db_hh) {
  backward(make_rnn(shape), x, w_ih, w_hh, workspace, dy, dy_stride, dh_n, dc_n, dx, dh0, dc0, dw_ih, dw_hh, db_ih,
           db_hh);
}

}  // namespace ctc4j::cpu
