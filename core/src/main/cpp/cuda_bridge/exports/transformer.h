// libctc4j_cuda's transformer entry points (see include/ctc4j/transformer.h for the semantics).
// All pointers are device memory on `device`.
#pragma once
#include <stdint.h>

#include "ctc4j/core.h"

extern "C" {
CTC4J_API int ctc4jcu_group_norm_time_major(int device, const float* x, int64_t steps, int64_t channels,
                                            int64_t groups, const float* gamma, const float* beta, float eps, int gelu,
                                            float* y);
CTC4J_API int ctc4jcu_gelu(int device, const float* x, const float* residual, float* y, int64_t n);
CTC4J_API int ctc4jcu_attention(int device, int64_t steps, int64_t heads, int64_t head_dim, float scale,
                                const float* q, int64_t ld_q, const float* k, int64_t ld_k, const float* v,
                                int64_t ld_v, float* out, int64_t ld_out);
}
