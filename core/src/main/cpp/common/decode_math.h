// Per-element math of CTC decoding shared by the CPU and CUDA decoders: log-space addition and
// the combination of acoustic, language-model and bonus scores that ranks prefixes.
#pragma once
#include <math.h>

#include "common/hd.h"

namespace ctc4j {

constexpr float kLnZero = -INFINITY;  // ln 0, exact (common/ctc.h's kLogZero is a finite stand-in)
constexpr float kLn10 = 2.302585092994046f;

// Whether an emission is a value the decoders accept: a log-probability (at most 1e-3 for
// rounding, not NaN or +inf) or a probability in [0, 1.001]. The CPU check and the device one
// share it, so both refuse the same values.
CTC4J_HD bool valid_emission(float v, bool log_probs) {
  return log_probs ? (v <= 1e-3f && !isnan(v) && v != INFINITY) : (v >= 0.0f && v <= 1.001f);
}

// ln(e^a + e^b) without overflow; exact when either side is -inf.
CTC4J_HD float log_add_exp(float a, float b) {
  if (a < b) {
    const float t = a;
    a = b;
    b = t;
  }
  return b == kLnZero ? a : a + log1pf(expf(b - a));
}

// The score a prefix is ranked by: ln P_ctc + alpha ln P_lm + beta words + hotword bonus.
CTC4J_HD float combined_score(float acoustic, float lm_ln, int words, float alpha, float beta, float bonus) {
  return acoustic + alpha * lm_ln + beta * static_cast<float>(words) + bonus;
}

// Emissions may be probabilities or log-probabilities; decoders work in natural log.
CTC4J_HD float emission_log_prob(float value, bool log_probs) { return log_probs ? value : logf(value); }

}  // namespace ctc4j
