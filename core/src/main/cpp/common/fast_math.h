// Branch-free float exp and log (Cephes polynomials) shared by the CPU and CUDA kernels: loops over
// them vectorise, and they need no fast-math flags.
#pragma once
#include <stdint.h>

#include "common/hd.h"

#if !defined(__CUDA_ARCH__)
#include <cstring>
#endif

namespace ctc4j {

CTC4J_HD float float_from_bits(int32_t bits) {
#if defined(__CUDA_ARCH__)
  return __int_as_float(bits);
#else
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
#endif
}

CTC4J_HD int64_t bits_from_double(double d) {
#if defined(__CUDA_ARCH__)
  return __double_as_longlong(d);
#else
  int64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  return bits;
#endif
}

CTC4J_HD double double_from_bits(int64_t bits) {
#if defined(__CUDA_ARCH__)
  return __longlong_as_double(bits);
#else
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
#endif
}

CTC4J_HD int32_t bits_from_float(float f) {
#if defined(__CUDA_ARCH__)
  return __float_as_int(f);
#else
  int32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  return bits;
#endif
}

// exp(x) within ~2 ulp (Cephes' expf polynomial); exactly 0 below -87.3. Branch-free so loops over
// it vectorise.
CTC4J_HD float fast_exp(float x) {
  const float clamped = x < -87.3f ? -87.3f : (x > 88.3f ? 88.3f : x);
  // Round to nearest through the 1.5 * 2^23 trick: exact under IEEE rules (no fast-math needed).
  const float n = (clamped * 1.44269504089f + 12582912.0f) - 12582912.0f;
  const float r = (clamped - n * 0.693359375f) + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const float scale = float_from_bits((static_cast<int32_t>(n) + 127) << 23);
  return x < -87.3f ? 0.0f : p * scale;
}

// exp(x) for x <= 0 in double to ~1e-13 relative (degree-10 Taylor polynomial after x = n ln 2 + r,
// |r| <= ln 2 / 2); exactly 0 below -708, where doubles stop being normal. Branch-free.
CTC4J_HD double fast_exp_nonpositive(double x) {
  const double clamped = x < -708.0 ? -708.0 : (x > 0.0 ? 0.0 : x);
  const double shifter = 6755399441055744.0;  // 1.5 * 2^52: adding it rounds to an integer held in the low bits
  const double shifted = clamped * 1.4426950408889634 + shifter;
  const double n = shifted - shifter;
  const double r = (clamped - n * 6.93147180369123816490e-01) - n * 1.90821492927058770002e-10;
  double p = 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  const int64_t exponent = bits_from_double(shifted) - bits_from_double(shifter);  // n, as an integer
  const double scale = double_from_bits((exponent + 1023) << 52);
  return x < -708.0 ? 0.0 : p * scale;
}

// log(x) within ~2 ulp for positive normal x (Cephes' logf polynomial), branch-free.
CTC4J_HD float fast_log(float x) {
  const int32_t bits = bits_from_float(x);
  float e = static_cast<float>(((bits >> 23) & 0xff) - 126);
  float m = float_from_bits((bits & 0x007fffff) | 0x3f000000);  // x = m * 2^e, m in [0.5, 1)
  const bool low = m < 0.707106781f;
  e = low ? e - 1.0f : e;
  m = low ? m + m - 1.0f : m - 1.0f;
  const float z = m * m;
  float p = 7.0376836292e-2f;
  p = p * m - 1.1514610310e-1f;
  p = p * m + 1.1676998740e-1f;
  p = p * m - 1.2420140846e-1f;
  p = p * m + 1.4249322787e-1f;
  p = p * m - 1.6668057665e-1f;
  p = p * m + 2.0000714765e-1f;
  p = p * m - 2.4999993993e-1f;
  p = p * m + 3.3333331174e-1f;
  float y = p * m * z - 2.12194440e-4f * e - 0.5f * z;
  return m + y + 0.693359375f * e;
}

}  // namespace ctc4j
