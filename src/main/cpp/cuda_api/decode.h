// libctc4j_cuda's decoding entry points (see include/ctc4j/decode.h for the semantics).
#pragma once
#include <stdint.h>

#include "common/ngram.h"
#include "ctc4j/core.h"

extern "C" {
// Per frame of each utterance, the most probable class and its value, written to host arrays
// [batch, max_frames]; emissions live on `device`, lengths is a host array.
CTC4J_API int ctc4jcu_argmax_frames(int device, const float* emissions, const int64_t* lengths, int batch,
                                    int64_t max_frames, int classes, int32_t* best, float* value);
}
