#include "check/harness.h"

#include <algorithm>
#include <cmath>

namespace harness {

Diff compare(const float* got, const float* want, size_t n, double abs_tol, double rel_tol) {
  Diff d;
  for (size_t i = 0; i < n; ++i) {
    const double g = got[i], w = want[i];
    bool ok;
    double err = 0;
    if (std::isnan(w) || std::isnan(g)) {
      ok = std::isnan(w) && std::isnan(g);
      err = ok ? 0 : INFINITY;
    } else if (std::isinf(w) || std::isinf(g)) {
      ok = g == w;
      err = ok ? 0 : INFINITY;
    } else {
      err = std::fabs(g - w);
      ok = err <= abs_tol + rel_tol * std::fabs(w);
      d.max_rel = std::max(d.max_rel, err / std::max(std::fabs(w), 1e-30));
    }
    if (err > d.max_abs || (!ok && d.bad == 0)) d.max_abs = std::max(d.max_abs, err), d.worst = i;
    if (!ok && d.bad++ == 0) {
      d.where = "element " + std::to_string(i) + ": " + std::to_string(g) + " vs " + std::to_string(w);
    }
  }
  return d;
}

Diff compare(const std::vector<float>& got, const std::vector<float>& want, double abs_tol, double rel_tol) {
  if (got.size() != want.size()) {
    Diff d;
    d.bad = 1, d.max_abs = INFINITY;
    d.where = "sizes differ: " + std::to_string(got.size()) + " vs " + std::to_string(want.size());
    return d;
  }
  return compare(got.data(), want.data(), want.size(), abs_tol, rel_tol);
}

void Result::add(const std::string& what, const Diff& d) {
  max_abs_err = std::max(max_abs_err, d.max_abs);
  max_rel_err = std::max(max_rel_err, d.max_rel);
  if (!d.ok()) require(false, what + ": " + std::to_string(d.bad) + " outside tolerance, first at " + d.where);
}

void Result::require(bool condition, const std::string& what) {
  if (condition) return;
  ok = false;
  detail += (detail.empty() ? "" : "; ") + what;
}

std::vector<float> Random::normals(size_t n, float scale) {
  std::vector<float> v(n);
  for (float& x : v) x = scale * normal();
  return v;
}

std::vector<float> Random::uniforms(size_t n, float lo, float hi) {
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = u(engine_);
  return v;
}

void log_softmax_rows(std::vector<float>& x, int64_t classes) {
  for (size_t r = 0; r < x.size() / classes; ++r) {
    float* row = x.data() + r * classes;
    const float m = *std::max_element(row, row + classes);
    double sum = 0;
    for (int64_t c = 0; c < classes; ++c) sum += std::exp(double(row[c]) - m);
    const double shift = m + std::log(sum);
    for (int64_t c = 0; c < classes; ++c) row[c] = static_cast<float>(row[c] - shift);
  }
}

}  // namespace harness
