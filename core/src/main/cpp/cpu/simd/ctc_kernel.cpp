// CPU CTC kernels. Loss, gradient and posteriors first run in linear space: probabilities in double,
// each alpha and beta row rescaled to sum 1 with the log of the scale accumulated (Graves et al.
// 2006, section 4.1), so a cell costs two adds and two multiplies instead of two exps and a log.
// Where that could lose a path (an emission more than 708 nats below its frame's best, or alpha and
// beta rows that no longer agree on p(target) at some frame because a cell underflowed) the
// utterance is recomputed with the log-space recursions of common/ctc.h, which the CUDA kernels and
// Viterbi use too. Every loop runs over all extended positions of a frame at once, so the compiler
// vectorises it. Compiled once per instruction set (CTC4J_SIMD_NAMESPACE); see cpu/simd.h.
#include <algorithm>
#include <cmath>
#include <limits>

#include "cpu/ctc_kernel.h"
#include "support/scratch.h"

namespace ctc4j::simd::CTC4J_SIMD_NAMESPACE {
namespace {

constexpr int kLanes = 8;
constexpr int kPad = 2;  // rows carry two kLogZero cells on each side, so s - 2 and s + 2 need no test
constexpr double kInfeasible = -std::numeric_limits<double>::infinity();

// The log-space cells, in double: log p of a confident output's path is a sum of emissions hundreds
// of nats apart, which float32 rounds at 1e-5 a frame (gradients 1e-4 off by T = 50).
using LogCell = double;

// The extended label sequence of one utterance and the per-frame rows the recursions use.
struct Lattice {
  int positions;     // 2L + 1
  int width;         // positions + 2 * kPad
  int32_t* labels;   // [positions]
  LogCell* skip;      // [positions + kPad]: ctc_skip_penalty, kLogZero past the end
  LogCell* emission;  // [positions]: this frame's clamped log-probability of each position
  LogCell* rows[2];   // two padded rows of `width` (beta, or Viterbi's alpha)
  float* occupancy;   // [positions]
};

Lattice make_lattice(const CtcUtterance& u, ScratchFrame& scratch) {
  Lattice l{};
  l.positions = ctc_positions(u.target_length);
  l.width = l.positions + 2 * kPad;
  l.labels = scratch.take<int32_t>(l.positions);
  LogCell* cells = scratch.take<LogCell>(static_cast<size_t>(l.positions) * 2 + kPad + 2 * l.width);
  l.skip = cells;
  l.emission = l.skip + l.positions + kPad;
  l.rows[0] = l.emission + l.positions;
  l.rows[1] = l.rows[0] + l.width;
  l.occupancy = scratch.take<float>(l.positions);
  for (int s = 0; s < l.positions; ++s) {
    l.labels[s] = ctc_label(u.targets, u.blank, s);
    l.skip[s] = ctc_skip_penalty(u.targets, s);
  }
  std::fill_n(l.skip + l.positions, kPad, kLogZero);
  return l;
}

const float* frame(const CtcUtterance& u, int t) { return u.log_probs + t * u.time_stride; }

// The positions [lo, hi) of frame t that lie on some complete path: by frame t a path has advanced
// at most 2t + 1 positions, and it must still reach one of the last two by the final frame. Frame
// t + 1's band reads only frame t's band, so the recursions skip every other cell.
struct Band {
  int lo, hi;
  int size() const { return std::max(0, hi - lo); }
};

Band band(const CtcUtterance& u, const Lattice& l, int t) {
  return {std::max(0, l.positions - 2 * (u.frames - t)), std::min(l.positions, 2 * t + 2)};
}

void gather_emissions(const CtcUtterance& u, const Lattice& l, int t, Band b) {
  const float* row = frame(u, t);
  for (int s = b.lo; s < b.hi; ++s) l.emission[s] = ctc_emission(row, l.labels[s]);
}

// A padded log-space row whose cells are all zero probability; returns its first real cell.
LogCell* clear_log_row(LogCell* padded, int width) {
  std::fill_n(padded, width, LogCell(kLogZero));
  return padded + kPad;
}

template <class Real>
Real row_max(const Real* x, int n) {
  Real lanes[kLanes];
  std::fill_n(lanes, kLanes, Real(kLogZero));
  int i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int k = 0; k < kLanes; ++k) lanes[k] = max2(lanes[k], x[i + k]);
  }
  for (; i < n; ++i) lanes[0] = max2(lanes[0], x[i]);
  return *std::max_element(lanes, lanes + kLanes);
}

// Shifts a row to a maximum of 0 and returns the shift (0 for a row of zero probabilities).
LogCell normalise(LogCell* x, int n) {
  const LogCell m = row_max(x, n);
  if (m < kLogZero / 2) return 0.0;
  for (int i = 0; i < n; ++i) x[i] -= m;
  return m;
}

// Scales a row of occupancies to sum to 1. Exactly they already do; rescaling each frame cancels the
// rounding that alpha and beta accumulate over long inputs (error 1e-5 instead of 1e-3 at T = 5000).
void normalise_sum(float* x, int n) {
  float lanes[kLanes] = {};
  int i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int k = 0; k < kLanes; ++k) lanes[k] += x[i + k];
  }
  for (; i < n; ++i) lanes[0] += x[i];
  double total = 0.0;
  for (float v : lanes) total += v;
  const float inv = static_cast<float>(1.0 / total);
  for (i = 0; i < n; ++i) x[i] *= inv;
}

// Frame t's emissions over the band less their largest, which it returns (0 when none is present),
// so the recursions' cells stay near 0 whatever the frame's best class.
LogCell gather_shifted_emissions(const CtcUtterance& u, const Lattice& l, int t, Band b) {
  gather_emissions(u, l, t, b);
  return normalise(l.emission + b.lo, b.size());
}

// log p of ending in the last label or the final blank, given the last alpha row.
LogCell final_log_add(const LogCell* last, int positions) {
  return positions > 1 ? log_add(last[positions - 1], last[positions - 2]) : last[0];
}

// Fills alpha (frames padded rows of l.width) with normalised rows and offsets[t] with each row's
// accumulated shift; returns log p.
double forward(const CtcUtterance& u, const Lattice& l, LogCell* alpha, double* offsets) {
  offsets[0] = gather_shifted_emissions(u, l, 0, {0, std::min(l.positions, 2)});  // the first row's shift too
  LogCell* cur = clear_log_row(alpha, l.width);
  cur[0] = l.emission[0];
  if (l.positions > 1) cur[1] = l.emission[1];
  for (int t = 1; t < u.frames; ++t) {
    const Band b = band(u, l, t);
    const LogCell emission_shift = gather_shifted_emissions(u, l, t, b);
    const LogCell* prev = cur;
    cur = clear_log_row(alpha + static_cast<int64_t>(t) * l.width, l.width);
    for (int s = b.lo; s < b.hi; ++s) {
      cur[s] = ctc_step(prev[s], prev[s - 1], prev[s - 2] + l.skip[s], l.emission[s]);
    }
    offsets[t] = offsets[t - 1] + emission_shift + normalise(cur + b.lo, b.size());
  }
  const LogCell tail = final_log_add(cur, l.positions);
  return tail < kLogZero / 2 ? kInfeasible : offsets[u.frames - 1] + tail;
}

// Runs beta from the last frame to the first and hands each frame's position occupancies
// (posteriors, summing to 1; 0 outside the band) to visit(t, occupancy).
template <class Visit>
void backward(const CtcUtterance& u, const Lattice& l, const LogCell* alpha, const double* alpha_offsets,
              double log_likelihood, Visit&& visit) {
  double offset = 0.0;
  LogCell* next = nullptr;
  for (int t = u.frames - 1; t >= 0; --t) {
    const Band b = band(u, l, t);
    const LogCell emission_shift = gather_shifted_emissions(u, l, t, b);
    LogCell* cur = clear_log_row(l.rows[t & 1], l.width);
    if (next == nullptr) {
      cur[l.positions - 1] = l.emission[l.positions - 1];
      if (l.positions > 1) cur[l.positions - 2] = l.emission[l.positions - 2];
    } else {
      for (int s = b.lo; s < b.hi; ++s) {
        cur[s] = ctc_step(next[s], next[s + 1], next[s + 2] + l.skip[s + 2], l.emission[s]);
      }
    }
    offset += emission_shift + normalise(cur + b.lo, b.size());
    const LogCell* a = alpha + static_cast<int64_t>(t) * l.width + kPad;
    // alpha and beta both hold the frame's shifted emission and its shift: divided out once
    const LogCell shift = alpha_offsets[t] + offset - emission_shift - log_likelihood;
    std::fill_n(l.occupancy, l.positions, 0.0f);
    for (int s = b.lo; s < b.hi; ++s) l.occupancy[s] = ctc_occupancy(a[s], cur[s], l.emission[s], shift);
    normalise_sum(l.occupancy + b.lo, b.size());
    visit(t, l.occupancy);
    next = cur;
  }
}

// Forward pass with its per-thread storage; returns log p (or kInfeasible).
struct Forward {
  LogCell* alpha;
  double* offsets;
  double log_likelihood;
};

Forward run_forward(const CtcUtterance& u, const Lattice& l, ScratchFrame& scratch) {
  Forward f{};
  f.alpha = scratch.take<LogCell>(static_cast<size_t>(std::max(u.frames, 1)) * l.width);
  f.offsets = scratch.take<double>(std::max(u.frames, 1));
  f.log_likelihood = u.frames == 0 ? (u.target_length == 0 ? 0.0 : kInfeasible) : forward(u, l, f.alpha, f.offsets);
  return f;
}

void fill_rows(const CtcGradientRows& g, const CtcUtterance& u, float value) {
  for (int t = 0; t < u.frames; ++t) std::fill_n(g.rows + t * g.stride, u.alphabet, value);
}

// Writes one frame's gradient row in a single pass (the row is the wide part of the work when the
// alphabet is large) and returns whether a log-probability of the frame is NaN.
bool write_gradient_row(const float* log_probs, const float* posterior, int alphabet, float scale, float* out) {
  int32_t magnitude = 0;  // the largest |bits|: NaN exactly when above +inf's, and this vectorises
  for (int c = 0; c < alphabet; ++c) {
    magnitude = std::max(magnitude, bits_from_float(log_probs[c]) & 0x7fffffff);
    out[c] = ctc_gradient(log_probs[c], posterior[c], scale);
  }
  return magnitude > 0x7f800000;
}

// ---- Linear space ----

// Per-thread double rows of the linear-space recursions (each padded by kPad zero cells a side).
struct LinearRows {
  int width;
  double* allowed_skip;  // [positions + kPad]: 1 where s may be entered from s - 2, else 0
  double* probability;   // frames rows of positions: emission probabilities over exp(the frame's shift)
  double* shifts;        // [frames]: the largest log-probability of each frame, divided out above
  double* class_probability;  // [alphabet]: one frame's per class, for small alphabets
  double* alpha;         // frames rows, each summing to 1
  double* offsets;       // [frames]: log of what alpha row t was divided by, accumulated
  double* beta;          // one row: p(rest of the input after frame t | position s), rescaled
  double* weighted;      // one row: the next frame's probability * beta
};

LinearRows make_linear_rows(const CtcUtterance& u, const Lattice& l, ScratchFrame& scratch) {
  LinearRows r{};
  r.width = l.width;
  const size_t frames = static_cast<size_t>(std::max(u.frames, 1));
  double* d = scratch.take<double>(frames * (l.width + l.positions + 2) + 2 * l.width + l.positions + kPad + u.alphabet);
  r.alpha = d;
  r.beta = r.alpha + frames * l.width;
  r.weighted = r.beta + l.width;
  r.allowed_skip = r.weighted + l.width;
  r.probability = r.allowed_skip + l.positions + kPad;
  r.offsets = r.probability + frames * l.positions;
  r.shifts = r.offsets + frames;
  r.class_probability = r.shifts + frames;
  for (int s = 0; s < l.positions + kPad; ++s) r.allowed_skip[s] = l.skip[s] == 0.0f ? 1.0 : 0.0;
  return r;
}

double* clear_row(double* padded, int width) {
  std::fill_n(padded, width, 0.0);
  return padded + kPad;
}

double row_sum(const double* x, int n) {
  double lanes[kLanes] = {};
  int i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int k = 0; k < kLanes; ++k) lanes[k] += x[i + k];
  }
  for (; i < n; ++i) lanes[0] += x[i];
  double total = 0.0;
  for (double v : lanes) total += v;
  return total;
}

// Divides a row by its sum and returns log(sum); -inf for a row of zeros.
double rescale(double* x, int n) {
  const double total = row_sum(x, n);
  if (!(total > 0.0)) return kInfeasible;
  const double inverse = 1.0 / total;
  for (int i = 0; i < n; ++i) x[i] *= inverse;
  return std::log(total);
}

// Fills frame t's row of r.probability over the band with exp(log p - best) and returns best, the
// largest log-probability exponentiated; NaN when a probability that is not zero would be flushed to
// zero (708 nats below best). Small alphabets exponentiate each class once and gather; large ones
// each band position.
double gather_probabilities(const CtcUtterance& u, const Lattice& l, const LinearRows& r, int t, Band b) {
  double* probability = r.probability + static_cast<int64_t>(t) * l.positions;
  const float* row = frame(u, t);
  int flushed = 0;  // an int, not a bool: the or-reductions then vectorise
  double best;
  if (u.alphabet <= b.size()) {
    best = row_max(row, u.alphabet);
    for (int c = 0; c < u.alphabet; ++c) {
      r.class_probability[c] = row[c] > kLogZero / 2 ? fast_exp_nonpositive(static_cast<double>(row[c]) - best) : 0.0;
    }
    for (int s = b.lo; s < b.hi; ++s) {
      const int c = l.labels[s];
      probability[s] = r.class_probability[c];
      flushed |= (row[c] > kLogZero / 2) & (probability[s] == 0.0);
    }
  } else {
    gather_emissions(u, l, t, b);
    best = row_max(l.emission + b.lo, b.size());
    for (int s = b.lo; s < b.hi; ++s) {
      const bool present = l.emission[s] > kLogZero / 2;
      probability[s] = present ? fast_exp_nonpositive(l.emission[s] - best) : 0.0;
      flushed |= present & (probability[s] == 0.0);
    }
  }
  return flushed != 0 ? std::numeric_limits<double>::quiet_NaN() : best;
}

// Fills r.alpha, r.offsets, r.probability and r.shifts; returns log p, or NaN when linear space cannot decide (no path
// survived, or an emission was flushed): the caller then uses log space.
double linear_forward(const CtcUtterance& u, const Lattice& l, const LinearRows& r) {
  const Band first{0, std::min(l.positions, 2)};
  r.shifts[0] = gather_probabilities(u, l, r, 0, first);
  double* cur = clear_row(r.alpha, r.width);
  for (int s = first.lo; s < first.hi; ++s) cur[s] = r.probability[s];
  double offset = r.shifts[0] + rescale(cur, first.hi);
  r.offsets[0] = offset;
  for (int t = 1; t < u.frames && std::isfinite(offset); ++t) {
    const Band b = band(u, l, t);
    r.shifts[t] = gather_probabilities(u, l, r, t, b);
    const double* probability = r.probability + static_cast<int64_t>(t) * l.positions;
    const double* prev = cur;
    cur = clear_row(r.alpha + static_cast<int64_t>(t) * r.width, r.width);
    for (int s = b.lo; s < b.hi; ++s) {
      cur[s] = (prev[s] + prev[s - 1] + r.allowed_skip[s] * prev[s - 2]) * probability[s];
    }
    offset += r.shifts[t] + rescale(cur + b.lo, b.size());
    r.offsets[t] = offset;
  }
  const double tail = l.positions > 1 ? cur[l.positions - 1] + cur[l.positions - 2] : cur[0];
  if (!std::isfinite(offset) || !(tail > 0.0)) return std::numeric_limits<double>::quiet_NaN();
  return offset + std::log(tail);
}

// Runs beta from the last frame to the first and hands each frame's occupancies (summing to 1) to
// visit(t, occupancy). Returns false, possibly after visiting some frames, when alpha and beta
// disagree on p(target) at a frame by more than rounding: a cell that mattered underflowed.
template <class Visit>
bool linear_backward(const CtcUtterance& u, const Lattice& l, const LinearRows& r, double log_likelihood,
                     Visit&& visit) {
  constexpr double kAgreement = 1e-6;  // |log p at frame t - log p|; rounding stays below 1e-10
  double offset = 0.0;                 // log of what the beta rows were divided by, accumulated
  for (int t = u.frames - 1; t >= 0; --t) {
    const Band b = band(u, l, t);
    double* beta = clear_row(r.beta, r.width);
    if (t == u.frames - 1) {
      for (int s = std::max(0, l.positions - 2); s < l.positions; ++s) beta[s] = 1.0;
    } else {
      const double* w = r.weighted + kPad;
      for (int s = b.lo; s < b.hi; ++s) beta[s] = w[s] + w[s + 1] + r.allowed_skip[s + 2] * w[s + 2];
      offset += rescale(beta + b.lo, b.size());
    }
    const double* alpha = r.alpha + static_cast<int64_t>(t) * r.width + kPad;
    double* occupancy = r.weighted + kPad;  // free until this frame's weighted row is built below
    for (int s = b.lo; s < b.hi; ++s) occupancy[s] = alpha[s] * beta[s];
    const double total = row_sum(occupancy + b.lo, b.size());
    if (!(std::abs(std::log(total) + r.offsets[t] + offset - log_likelihood) < kAgreement)) return false;
    const double inverse = 1.0 / total;
    std::fill_n(l.occupancy, l.positions, 0.0f);
    for (int s = b.lo; s < b.hi; ++s) l.occupancy[s] = static_cast<float>(occupancy[s] * inverse);
    visit(t, l.occupancy);
    if (t == 0) break;
    offset += r.shifts[t];
    const double* probability = r.probability + static_cast<int64_t>(t) * l.positions;
    double* w = clear_row(r.weighted, r.width);
    for (int s = b.lo; s < b.hi; ++s) w[s] = probability[s] * beta[s];
  }
  return true;
}

// Occupancies by linear space where it is safe, else by log space; returns log p (kInfeasible when
// no alignment exists, without visiting).
template <class Visit>
double occupancies(const CtcUtterance& u, const Lattice& l, ScratchFrame& scratch, Visit&& visit) {
  if (u.frames > 0 && !ctc_log_space_only()) {
    const LinearRows r = make_linear_rows(u, l, scratch);
    const double log_likelihood = linear_forward(u, l, r);
    if (!std::isnan(log_likelihood) && linear_backward(u, l, r, log_likelihood, visit)) return log_likelihood;
  }
  const Forward f = run_forward(u, l, scratch);
  if (f.log_likelihood != kInfeasible) backward(u, l, f.alpha, f.offsets, f.log_likelihood, visit);
  return f.log_likelihood;
}

// log p alone: linear space where it decides, else log space.
double log_likelihood(const CtcUtterance& u, const Lattice& l, ScratchFrame& scratch) {
  if (u.frames > 0 && !ctc_log_space_only()) {
    const double linear = linear_forward(u, l, make_linear_rows(u, l, scratch));
    if (!std::isnan(linear)) return linear;
  }
  return run_forward(u, l, scratch).log_likelihood;
}

}  // namespace

double ctc_loss_utterance(const CtcUtterance& u, CtcGradientRows* grad) {
  ScratchFrame scratch;
  const Lattice l = make_lattice(u, scratch);
  if (grad == nullptr) return log_likelihood(u, l, scratch);
  // Per-class posteriors of the current frame; zero except at the blank and the target labels.
  float* posterior = scratch.take<float>(u.alphabet);
  std::fill_n(posterior, u.alphabet, 0.0f);
  const double result = occupancies(u, l, scratch, [&](int t, const float* occupancy) {
    // Blanks summed apart: scattering them one by one would chain every add through posterior[blank].
    float blank_mass = 0.0f;
    for (int s = 0; s < l.positions; s += 2) blank_mass += occupancy[s];
    posterior[u.blank] = blank_mass;
    for (int i = 0; i < u.target_length; ++i) posterior[u.targets[i]] += occupancy[2 * i + 1];
    grad->saw_nan |= write_gradient_row(frame(u, t), posterior, u.alphabet, grad->scale, grad->rows + t * grad->stride);
    for (int i = 0; i < u.target_length; ++i) posterior[u.targets[i]] = 0.0f;
  });
  if (result == kInfeasible) fill_rows(*grad, u, grad->zero_infinity ? 0.0f : std::numeric_limits<float>::quiet_NaN());
  return result;
}

double ctc_posteriors_utterance(const CtcUtterance& u, float* out, int64_t out_stride) {
  ScratchFrame scratch;
  const Lattice l = make_lattice(u, scratch);
  return occupancies(u, l, scratch, [&](int t, const float* occupancy) {
    std::copy_n(occupancy, l.positions, out + t * out_stride);
  });
}

double ctc_viterbi_utterance(const CtcUtterance& u, int32_t* states) {
  if (u.frames == 0) return u.target_length == 0 ? 0.0 : kInfeasible;
  ScratchFrame scratch;
  const Lattice l = make_lattice(u, scratch);
  int8_t* from = scratch.take<int8_t>(static_cast<size_t>(u.frames) * l.positions);
  gather_emissions(u, l, 0, {0, std::min(l.positions, 2)});
  LogCell* cur = clear_log_row(l.rows[0], l.width);
  cur[0] = l.emission[0];
  if (l.positions > 1) cur[1] = l.emission[1];
  for (int t = 1; t < u.frames; ++t) {
    const Band b = band(u, l, t);
    gather_emissions(u, l, t, b);
    const LogCell* prev = cur;
    cur = clear_log_row(l.rows[t & 1], l.width);
    int8_t* step = from + static_cast<int64_t>(t) * l.positions;
    for (int s = b.lo; s < b.hi; ++s) {
      cur[s] = viterbi_step(prev[s], prev[s - 1], prev[s - 2] + l.skip[s], l.emission[s], step + s);
    }
  }
  int s = l.positions - 1;
  if (l.positions > 1 && cur[s - 1] > cur[s]) --s;
  if (cur[s] < kLogZero / 2) return kInfeasible;
  double score = 0.0;  // re-summed in double along the path
  for (int t = u.frames - 1; t >= 0; --t) {
    states[t] = s;
    score += frame(u, t)[l.labels[s]];
    if (t > 0) s -= from[static_cast<int64_t>(t) * l.positions + s];
  }
  return score;
}

void log_softmax_rows(const float* x, int64_t stride, int rows, int cols, float* out) {
  for (int t = 0; t < rows; ++t) {
    const float* in = x + t * stride;
    float* o = out + static_cast<int64_t>(t) * cols;
    const float m = row_max(in, cols);
    float lanes[kLanes] = {};
    int c = 0;
    for (; c + kLanes <= cols; c += kLanes) {
      for (int k = 0; k < kLanes; ++k) lanes[k] += fast_exp(in[c + k] - m);
    }
    for (; c < cols; ++c) lanes[0] += fast_exp(in[c] - m);
    double sum = 0.0;
    for (float v : lanes) sum += v;
    const float shift = m + static_cast<float>(std::log(sum));
    for (c = 0; c < cols; ++c) o[c] = in[c] - shift;
  }
}

}  // namespace ctc4j::simd::CTC4J_SIMD_NAMESPACE
