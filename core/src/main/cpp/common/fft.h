// Mixed-radix Stockham FFT shared by the CPU and CUDA log-mel kernels.
// The complex type C is either Cpx (one frame: a CUDA thread per butterfly) or Lanes<Cpx> on the
// CPU (one butterfly over several frames at once, which the compiler turns into SIMD). A stage of
// radix R with Ns = product of earlier radices maps butterfly j to inputs j + r*n/R and outputs
// (j/Ns)*Ns*R + j%Ns + r*Ns, so the result comes out in natural order without bit reversal.
#pragma once
#include "common/hd.h"

namespace ctc4j {

struct Cpx {
  float re, im;
};

constexpr int kMaxFftStages = 32;
constexpr int kMaxRadix = 32;  // prime factors of kMaxRadix or more are rejected by the plan

struct FftStage {
  int radix;
  int ns;              // product of the radices of earlier stages
  int twiddle_offset;  // into the plan's twiddles: ns * (radix - 1) values for this stage
};

CTC4J_HD Cpx add(Cpx a, Cpx b) { return {a.re + b.re, a.im + b.im}; }
CTC4J_HD Cpx sub(Cpx a, Cpx b) { return {a.re - b.re, a.im - b.im}; }
CTC4J_HD Cpx mul(Cpx a, Cpx w) { return {a.re * w.re - a.im * w.im, a.re * w.im + a.im * w.re}; }
CTC4J_HD Cpx scale(Cpx a, float s) { return {a.re * s, a.im * s}; }
CTC4J_HD Cpx mul_neg_i(Cpx a) { return {a.im, -a.re}; }
CTC4J_HD Cpx conj(Cpx a) { return {a.re, -a.im}; }

// In-place DFT of R points, out[k] = sum_r v[r] exp(-2 pi i r k / R).
template <class C>
CTC4J_HD void dft2(C* v) {
  C a = v[0], b = v[1];
  v[0] = add(a, b);
  v[1] = sub(a, b);
}

template <class C>
CTC4J_HD void dft3(C* v) {
  const float c = -0.5f, s = -0.86602540378443864676f;  // cos, sin of -2pi/3
  C t = add(v[1], v[2]), d = sub(v[1], v[2]);
  C m = add(v[0], scale(t, c));
  C rot = scale(mul_neg_i(d), -s);  // i*s*d
  v[0] = add(v[0], t);
  v[1] = add(m, rot);
  v[2] = sub(m, rot);
}

template <class C>
CTC4J_HD void dft4(C* v) {
  C a = add(v[0], v[2]), b = sub(v[0], v[2]);
  C c = add(v[1], v[3]), d = mul_neg_i(sub(v[1], v[3]));
  v[0] = add(a, c);
  v[2] = sub(a, c);
  v[1] = add(b, d);
  v[3] = sub(b, d);
}

template <class C>
CTC4J_HD void dft5(C* v) {
  const float c1 = 0.30901699437494742410f, c2 = -0.80901699437494742410f;  // cos(2pi/5), cos(4pi/5)
  const float s1 = 0.95105651629515357212f, s2 = 0.58778525229247312917f;   // sin(2pi/5), sin(4pi/5)
  C t1 = add(v[1], v[4]), t2 = add(v[2], v[3]);
  C d1 = sub(v[1], v[4]), d2 = sub(v[2], v[3]);
  C m1 = add(v[0], add(scale(t1, c1), scale(t2, c2)));
  C m2 = add(v[0], add(scale(t1, c2), scale(t2, c1)));
  // -i * (s1 d1 + s2 d2) and -i * (s2 d1 - s1 d2)
  C r1 = mul_neg_i(add(scale(d1, s1), scale(d2, s2)));
  C r2 = mul_neg_i(sub(scale(d1, s2), scale(d2, s1)));
  v[0] = add(v[0], add(t1, t2));
  v[1] = add(m1, r1);
  v[4] = sub(m1, r1);
  v[2] = add(m2, r2);
  v[3] = sub(m2, r2);
}

// Any radix below kMaxRadix; roots[q] = exp(-2 pi i q / R).
template <class C>
CTC4J_HD void dft_generic(C* v, int radix, const Cpx* roots) {
  C out[kMaxRadix];
  for (int k = 0; k < radix; ++k) {
    C acc = v[0];
    for (int r = 1; r < radix; ++r) acc = add(acc, mul(v[r], roots[(r * k) % radix]));
    out[k] = acc;
  }
  for (int k = 0; k < radix; ++k) v[k] = out[k];
}

template <class C>
CTC4J_HD void dft(C* v, int radix, const Cpx* roots) {
  switch (radix) {
    case 2: dft2(v); break;
    case 3: dft3(v); break;
    case 4: dft4(v); break;
    case 5: dft5(v); break;
    default: dft_generic(v, radix, roots);
  }
}

// Butterfly j of one Stockham stage over an n-point transform, reading `in`, writing `out`.
// R is the stage's radix when known at compile time (loops unroll), or 0 to read it from `stage`.
// twiddles[k*(R-1) + r-1] = exp(-2 pi i k r / (Ns R)); roots serve generic radices.
template <int R, class C>
CTC4J_HD void stockham_butterfly(const C* in, C* out, int n, FftStage stage, const Cpx* twiddles,
                                 const Cpx* roots, int j) {
  const int radix = R > 0 ? R : stage.radix, ns = stage.ns, k = j % ns, stride = n / radix;
  const Cpx* w = twiddles + stage.twiddle_offset + k * (radix - 1);
  C v[R > 0 ? R : kMaxRadix];
  v[0] = in[j];
  for (int r = 1; r < radix; ++r) v[r] = mul(in[j + r * stride], w[r - 1]);
  dft(v, radix, roots + radix * kMaxRadix);
  const int base = (j / ns) * ns * radix + k;
  for (int r = 0; r < radix; ++r) out[base + r * ns] = v[r];
}

// Bin k of an N-point real FFT from the N/2-point complex FFT z of (x[2m] + i x[2m+1]);
// w = exp(-2 pi i k / N). Valid for k in [0, N/2].
template <class C>
CTC4J_HD C packed_real_bin(const C* z, int half, int k, Cpx w) {
  C a = z[k == half ? 0 : k], b = conj(z[k == 0 ? 0 : half - k]);  // k mod half, (half - k) mod half; no division
  C even = scale(add(a, b), 0.5f);
  C odd = scale(mul_neg_i(sub(a, b)), 0.5f);
  return add(even, mul(odd, w));
}

}  // namespace ctc4j
