// The CPU log-mel kernel over frames [begin, end) of one utterance, writing out[m * out_stride + t].
#pragma once
#include <cstdint>

#include "common/mel_plan.h"
#include "cpu/simd.h"

CTC4J_SIMD_DECLARE(void log_mel_frames(const ::ctc4j::MelPlanView& plan, const float* audio, int64_t length,
                                       int64_t begin, int64_t end, float* out, int64_t out_stride))
