// CPU CTC kernels: the recursions of common/ctc.h run over all extended positions of a frame at
// once, so the compiler vectorises them (8 positions per AVX2 instruction). Each alpha and beta row
// is shifted to a maximum of 0 and the shift accumulated in double, which keeps float32 accurate
// for long inputs. Compiled once per instruction set (CTC4J_SIMD_NAMESPACE); see cpu/simd.h.
#include <algorithm>
#include <cmath>
#include <limits>

#include "cpu/ctc_kernel.h"
#include "cpu/parallel.h"

namespace ctc4j::simd::CTC4J_SIMD_NAMESPACE {
namespace {

constexpr int kLanes = 8;
constexpr int kPad = 2;  // rows carry two kLogZero cells on each side, so s - 2 and s + 2 need no test
constexpr double kInfeasible = -std::numeric_limits<double>::infinity();

enum FloatScratch { kAlphaSlot, kRowsSlot, kPosteriorSlot };

// The extended label sequence of one utterance and the per-frame rows the recursions use.
struct Lattice {
  int positions;     // 2L + 1
  int width;         // positions + 2 * kPad
  int32_t* labels;   // [positions]
  float* skip;       // [positions + kPad]: ctc_skip_penalty, kLogZero past the end
  float* emission;   // [positions]: this frame's clamped log-probability of each position
  float* rows[2];    // two padded rows of `width` (beta, or Viterbi's alpha)
  float* occupancy;  // [positions]
};

Lattice make_lattice(const CtcUtterance& u) {
  Lattice l{};
  l.positions = ctc_positions(u.target_length);
  l.width = l.positions + 2 * kPad;
  l.labels = thread_scratch<int32_t>(l.positions);
  float* f = thread_scratch<float>(static_cast<size_t>(l.positions) * 3 + kPad + 2 * l.width, kRowsSlot);
  l.skip = f;
  l.emission = l.skip + l.positions + kPad;
  l.occupancy = l.emission + l.positions;
  l.rows[0] = l.occupancy + l.positions;
  l.rows[1] = l.rows[0] + l.width;
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

// A padded row whose cells are all zero probability; returns its first real cell.
float* clear_row(float* padded, int width) {
  std::fill_n(padded, width, kLogZero);
  return padded + kPad;
}

float row_max(const float* x, int n) {
  float lanes[kLanes];
  std::fill_n(lanes, kLanes, kLogZero);
  int i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int k = 0; k < kLanes; ++k) lanes[k] = max2(lanes[k], x[i + k]);
  }
  for (; i < n; ++i) lanes[0] = max2(lanes[0], x[i]);
  return *std::max_element(lanes, lanes + kLanes);
}

// Shifts a row to a maximum of 0 and returns the shift (0 for a row of zero probabilities).
float normalise(float* x, int n) {
  const float m = row_max(x, n);
  if (m < kLogZero / 2) return 0.0f;
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

// log p of ending in the last label or the final blank, given the last alpha row.
float final_log_add(const float* last, int positions) {
  return positions > 1 ? log_add(last[positions - 1], last[positions - 2]) : last[0];
}

// Fills alpha (frames padded rows of l.width) with normalised rows and offsets[t] with each row's
// accumulated shift; returns log p.
double forward(const CtcUtterance& u, const Lattice& l, float* alpha, double* offsets) {
  gather_emissions(u, l, 0, {0, std::min(l.positions, 2)});
  float* cur = clear_row(alpha, l.width);
  cur[0] = l.emission[0];
  if (l.positions > 1) cur[1] = l.emission[1];
  offsets[0] = normalise(cur, l.positions);
  for (int t = 1; t < u.frames; ++t) {
    const Band b = band(u, l, t);
    gather_emissions(u, l, t, b);
    const float* prev = cur;
    cur = clear_row(alpha + static_cast<int64_t>(t) * l.width, l.width);
    for (int s = b.lo; s < b.hi; ++s) {
      cur[s] = ctc_step(prev[s], prev[s - 1], prev[s - 2] + l.skip[s], l.emission[s]);
    }
    offsets[t] = offsets[t - 1] + normalise(cur + b.lo, b.size());
  }
  const float tail = final_log_add(cur, l.positions);
  return tail < kLogZero / 2 ? kInfeasible : offsets[u.frames - 1] + tail;
}

// Runs beta from the last frame to the first and hands each frame's position occupancies
// (posteriors, summing to 1; 0 outside the band) to visit(t, occupancy).
template <class Visit>
void backward(const CtcUtterance& u, const Lattice& l, const float* alpha, const double* alpha_offsets,
              double log_likelihood, Visit&& visit) {
  double offset = 0.0;
  float* next = nullptr;
  for (int t = u.frames - 1; t >= 0; --t) {
    const Band b = band(u, l, t);
    gather_emissions(u, l, t, b);
    float* cur = clear_row(l.rows[t & 1], l.width);
    if (next == nullptr) {
      cur[l.positions - 1] = l.emission[l.positions - 1];
      if (l.positions > 1) cur[l.positions - 2] = l.emission[l.positions - 2];
    } else {
      for (int s = b.lo; s < b.hi; ++s) {
        cur[s] = ctc_step(next[s], next[s + 1], next[s + 2] + l.skip[s + 2], l.emission[s]);
      }
    }
    offset += normalise(cur + b.lo, b.size());
    const float* a = alpha + static_cast<int64_t>(t) * l.width + kPad;
    const float shift = static_cast<float>(alpha_offsets[t] + offset - log_likelihood);
    std::fill_n(l.occupancy, l.positions, 0.0f);
    for (int s = b.lo; s < b.hi; ++s) l.occupancy[s] = ctc_occupancy(a[s], cur[s], l.emission[s], shift);
    normalise_sum(l.occupancy + b.lo, b.size());
    visit(t, l.occupancy);
    next = cur;
  }
}

// Forward pass with its per-thread storage; returns log p (or kInfeasible).
struct Forward {
  float* alpha;
  double* offsets;
  double log_likelihood;
};

Forward run_forward(const CtcUtterance& u, const Lattice& l) {
  Forward f{};
  f.alpha = thread_scratch<float>(static_cast<size_t>(std::max(u.frames, 1)) * l.width, kAlphaSlot);
  f.offsets = thread_scratch<double>(std::max(u.frames, 1));
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

}  // namespace

double ctc_loss_utterance(const CtcUtterance& u, CtcGradientRows* grad) {
  const Lattice l = make_lattice(u);
  const Forward f = run_forward(u, l);
  if (grad == nullptr) return f.log_likelihood;
  if (f.log_likelihood == kInfeasible) {
    fill_rows(*grad, u, grad->zero_infinity ? 0.0f : std::numeric_limits<float>::quiet_NaN());
    return f.log_likelihood;
  }
  // Per-class posteriors of the current frame; zero except at the blank and the target labels.
  float* posterior = thread_scratch<float>(u.alphabet, kPosteriorSlot);
  std::fill_n(posterior, u.alphabet, 0.0f);
  backward(u, l, f.alpha, f.offsets, f.log_likelihood, [&](int t, const float* occupancy) {
    // Blanks summed apart: scattering them one by one would chain every add through posterior[blank].
    float blank_mass = 0.0f;
    for (int s = 0; s < l.positions; s += 2) blank_mass += occupancy[s];
    posterior[u.blank] = blank_mass;
    for (int i = 0; i < u.target_length; ++i) posterior[u.targets[i]] += occupancy[2 * i + 1];
    grad->saw_nan |= write_gradient_row(frame(u, t), posterior, u.alphabet, grad->scale, grad->rows + t * grad->stride);
    for (int i = 0; i < u.target_length; ++i) posterior[u.targets[i]] = 0.0f;
  });
  return f.log_likelihood;
}

double ctc_posteriors_utterance(const CtcUtterance& u, float* out, int64_t out_stride) {
  const Lattice l = make_lattice(u);
  const Forward f = run_forward(u, l);
  if (f.log_likelihood == kInfeasible) return f.log_likelihood;
  backward(u, l, f.alpha, f.offsets, f.log_likelihood, [&](int t, const float* occupancy) {
    std::copy_n(occupancy, l.positions, out + t * out_stride);
  });
  return f.log_likelihood;
}

double ctc_viterbi_utterance(const CtcUtterance& u, int32_t* states) {
  if (u.frames == 0) return u.target_length == 0 ? 0.0 : kInfeasible;
  const Lattice l = make_lattice(u);
  int8_t* from = thread_scratch<int8_t>(static_cast<size_t>(u.frames) * l.positions);
  gather_emissions(u, l, 0, {0, std::min(l.positions, 2)});
  float* cur = clear_row(l.rows[0], l.width);
  cur[0] = l.emission[0];
  if (l.positions > 1) cur[1] = l.emission[1];
  for (int t = 1; t < u.frames; ++t) {
    const Band b = band(u, l, t);
    gather_emissions(u, l, t, b);
    const float* prev = cur;
    cur = clear_row(l.rows[t & 1], l.width);
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
