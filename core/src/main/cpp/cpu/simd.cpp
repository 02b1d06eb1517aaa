#include "cpu/simd.h"

namespace ctc4j::simd {

bool has_avx2_fma() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
}

}  // namespace ctc4j::simd
