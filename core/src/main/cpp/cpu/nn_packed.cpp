#include "cpu/nn_packed.h"

#include <algorithm>

#include "cpu/gemm_kernel.h"
#include "support/parallel.h"

namespace ctc4j::cpu {
namespace {

PackedLayout layout() { return CTC4J_SIMD_DISPATCH(packed_layout)(); }

}  // namespace

int64_t packed_floats(int64_t k, int64_t n) {
  const int64_t width = layout().panel;
  return (n + width - 1) / width * k * width;
}

void pack_panels(const float* w, int64_t k, int64_t n, bool transposed, int64_t kernel, float* packed) {
  const int64_t channels = k / kernel;
  const int64_t width = layout().panel, panels = (n + width - 1) / width;
  parallel_for(panels, [&](int64_t p) {
    const int64_t j0 = p * width, cols = std::min(width, n - j0);
    float* panel = packed + p * k * width;  // [k, width], columns from cols on zero
    if (!transposed) {  // the panel's row kk is w[kk, j0 : j0 + cols]
      for (int64_t kk = 0; kk < k; ++kk) {
        std::copy_n(w + kk * n + j0, cols, panel + kk * width);
        std::fill(panel + kk * width + cols, panel + (kk + 1) * width, 0.0f);
      }
      return;
    }
    // The panel's column l is w's row j0 + l, read 16 k at a time so that the 16 panel rows written
    // stay in L1 (column by column over all of k, each write went to a line of its own: a GRU direction
    // of hidden 256 over 40 steps at batch 1 took 805-810 us that way, 535-560 us this way).
    for (int64_t k0 = 0; k0 < k; k0 += 16) {
      const int64_t depth = std::min<int64_t>(16, k - k0);
      for (int64_t l = 0; l < width; ++l) {
        float* column = panel + k0 * width + l;
        if (l >= cols) {
          for (int64_t d = 0; d < depth; ++d) column[d * width] = 0.0f;
          continue;
        }
        const float* row = w + (j0 + l) * k;
        if (kernel == 1) {
          for (int64_t d = 0; d < depth; ++d) column[d * width] = row[k0 + d];
        } else {
          for (int64_t d = 0; d < depth; ++d) {
            const int64_t kk = k0 + d;
            column[d * width] = row[kk % channels * kernel + kk / channels];
          }
        }
      }
    }
  });
}

void packed_product(int64_t m, int64_t k, int64_t n, const float* a, int64_t lda, const float* packed, float* c,
                    int64_t ldc, bool descending) {
  const int64_t width = layout().panel, panels = (n + width - 1) / width;
  const int64_t per_task = (96 + width - 1) / width, groups = (panels + per_task - 1) / per_task;
  const int64_t rows = 240, row_blocks = (m + rows - 1) / rows;  // 240: whole tiles of 4, 5 and 6 rows
  parallel_for(row_blocks * groups, [&](int64_t task) {
    const int64_t r0 = task / groups * rows, g = descending ? groups - 1 - task % groups : task % groups;
    CTC4J_SIMD_DISPATCH(gemm_packed_add)(std::min(rows, m - r0), n, k, a + r0 * lda, lda, packed, g * per_task,
                                         std::min(panels, (g + 1) * per_task), c + r0 * ldc, ldc);
  });
}

bool packed_beats_matvec(int64_t m) { return m >= layout().min_batch; }

bool prepacked_serves(int64_t k, int64_t n) { return n >= layout().panel && k >= kPrepackedDepth; }

}  // namespace ctc4j::cpu
