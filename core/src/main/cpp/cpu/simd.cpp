#include "cpu/simd.h"

#include <string>

namespace ctc4j::simd {

bool has_avx2_fma() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
}

bool has_avx512f() {
  static const bool yes = has_avx2_fma() && __builtin_cpu_supports("avx512f");
  return yes;
}

bool has_avx_vnni() {
  static const bool yes = has_avx2_fma() && __builtin_cpu_supports("avxvnni");
  return yes;
}

bool has_avx512_vnni() {
  static const bool yes = has_avx512f() && __builtin_cpu_supports("avx512vnni");
  return yes;
}

const char* features_used() {
  static const std::string names = std::string(has_avx2_fma() ? "avx2 fma" : "sse2") +
                                   (has_avx512f() ? " avx512f" : "") + (has_avx_vnni() ? " avxvnni" : "") +
                                   (has_avx512_vnni() ? " avx512vnni" : "");
  return names.c_str();
}

}  // namespace ctc4j::simd
