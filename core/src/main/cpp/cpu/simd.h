// Run-time choice between the kernels in cpu/simd/, compiled once generic and once for AVX2+FMA. A few
// AVX2-build kernels also carry AVX-512F and AVX-VNNI variants, chosen where the CPU has those.
#pragma once

namespace ctc4j::simd {

bool has_avx2_fma();
bool has_avx512f();   // and AVX2+FMA
bool has_avx_vnni();  // and AVX2+FMA
bool has_avx512_vnni();  // and AVX-512F
// The features the kernels use on this CPU, e.g. "avx2 fma avx512f avxvnni" (or "sse2").
const char* features_used();

}  // namespace ctc4j::simd

// Declares `name` in both kernel namespaces; CTC4J_SIMD_DISPATCH(name)(args) calls the best one.
#define CTC4J_SIMD_DECLARE(signature)   \
  namespace ctc4j::simd::generic {      \
  signature;                            \
  }                                     \
  namespace ctc4j::simd::avx2 {         \
  signature;                            \
  }
#define CTC4J_SIMD_DISPATCH(name) \
  (::ctc4j::simd::has_avx2_fma() ? ::ctc4j::simd::avx2::name : ::ctc4j::simd::generic::name)
