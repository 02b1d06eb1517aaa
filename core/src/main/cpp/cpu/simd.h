// Run-time choice between the kernels in cpu/simd/, compiled once generic and once for AVX2+FMA.
#pragma once

namespace ctc4j::simd {

bool has_avx2_fma();

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
