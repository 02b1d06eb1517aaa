#include "cuda_bridge/gpu_decode.h"

#include <algorithm>
#include <string>
#include <vector>

#include "cpu/decode_beam.h"
#include "cuda_bridge/exports/decode.h"
#include "cuda_bridge/loader.h"
#include "support/error.h"
#include "support/parallel.h"

namespace ctc4j::gpu {
namespace {

// The hypotheses the GPU search wrote for utterance b.
std::vector<ScoredTokens> gpu_hypotheses(const OutputView& o, int64_t b, int32_t count) {
  std::vector<ScoredTokens> found(count);
  for (int r = 0; r < count; ++r) {
    const int64_t slot = b * o.n_best + r;
    const int32_t* t = o.tokens + slot * o.max_frames;
    found[r] = ScoredTokens{o.scores[3 * slot], o.scores[3 * slot + 1], o.scores[3 * slot + 2],
                            std::vector<int32_t>(t, t + o.lengths[slot])};
  }
  return found;
}

// The classes the alignments of `found` read: their tokens and blank, ascending; none when no
// hypothesis has a token (nothing to align).
std::vector<int32_t> aligned_classes(const std::vector<ScoredTokens>& found, int blank) {
  std::vector<int32_t> classes;
  for (const ScoredTokens& h : found) classes.insert(classes.end(), h.tokens.begin(), h.tokens.end());
  if (classes.empty()) return classes;
  classes.push_back(blank);
  std::sort(classes.begin(), classes.end());
  classes.erase(std::unique(classes.begin(), classes.end()), classes.end());
  return classes;
}
}  // namespace

void check_emissions(const EmissionsView& e, int device) {
  int64_t index = -1;
  float value = 0.0f;
  CTC4J_CUDA_CALL(ctc4jcu_find_invalid_emission, device, e.data, e.lengths, e.batch, e.max_frames, e.classes,
                  e.log_probs ? 1 : 0, &index, &value);
  if (index >= 0) throw_invalid_emission(e, index, value);
}

void argmax_frames(const EmissionsView& e, int device, int32_t* best, float* value) {
  cuda::require_device(device);
  check_emissions(e, device);
  CTC4J_CUDA_CALL(ctc4jcu_argmax_frames, device, e.data, e.lengths, e.batch, e.max_frames, e.classes, best, value);
}


// Emission values gathered to the host at once to align GPU hypotheses (256 MiB; one utterance
// may need more).
constexpr int64_t kAlignValues = int64_t{64} << 20;

// The search and the emissions check run on the device (cuda/decode_beam.cu, decode_greedy.cu).
// The host aligns the n-best: per utterance it needs only the columns of its hypotheses' classes
// and blank over its frames, which the device gathers, a chunk of utterances at a time.
void beam_decode(const ctc4j_beam_decoder& d, int device, const EmissionsView& e, const SearchSettings& settings,
                 const OutputView& o, int32_t* hyp_count) {
  require(d.hot_end.empty(), "hotword boosting is not supported by the GPU beam search; decode on the CPU");
  require(settings.beam <= kMaxGpuBeam, "the GPU beam search takes beam widths up to " +
                                            std::to_string(kMaxGpuBeam) + ", got " + std::to_string(settings.beam));
  cuda::require_device(device);
  if (e.batch == 0) return;
  check_emissions(e, device);
  const BeamSearchConfig config{d.classes, d.blank, e.log_probs, d.alpha, d.beta, d.lm_view.oov_log10, settings.beam,
                                settings.top_k, settings.token_min_log_prob, settings.blank_skip_log_prob,
                                settings.n_best};
  const void* lm = d.lm != nullptr ? d.lm->on_device(device) : nullptr;
  CTC4J_CUDA_CALL(ctc4jcu_beam_search, &config, d.words_on_device(device), lm, device, e.data, e.lengths, e.batch,
                  e.max_frames, hyp_count, o.scores, o.lengths, o.tokens);
  std::vector<std::vector<ScoredTokens>> found(e.batch);
  std::vector<std::vector<int32_t>> columns(e.batch);
  parallel_for(e.batch, [&](int64_t b) {
    found[b] = gpu_hypotheses(o, b, hyp_count[b]);
    columns[b] = aligned_classes(found[b], d.blank);
  });
  std::vector<int64_t> offset(e.batch);  // of utterance b's values in its chunk's gathered array
  for (int first = 0, end = 0; first < e.batch; first = end) {
    std::vector<ColumnGather> parts;
    std::vector<int32_t> class_list;
    int64_t values = 0;
    for (; end < e.batch; ++end) {
      const int width = static_cast<int>(columns[end].size());
      const int64_t n = e.lengths[end] * width;
      if (end > first && values + n > kAlignValues) break;
      offset[end] = values;
      if (n == 0) continue;
      parts.push_back(ColumnGather{end, width, e.lengths[end], static_cast<int64_t>(class_list.size()), values});
      class_list.insert(class_list.end(), columns[end].begin(), columns[end].end());
      values += n;
    }
    std::vector<float> gathered(static_cast<size_t>(values));
    CTC4J_CUDA_CALL(ctc4jcu_gather_columns, device, e.data, e.max_frames, e.classes, parts.data(),
                    static_cast<int>(parts.size()), class_list.data(), static_cast<int64_t>(class_list.size()),
                    gathered.data(), values);
    parallel_for(end - first, [&](int64_t i) {
      const int b = static_cast<int>(first + i);
      const int width = static_cast<int>(columns[b].size());
      // utterance_log_probs converts element by element, so this is its full result's columns
      // (it does not read the view's blank).
      const EmissionsView u{gathered.data() + offset[b], e.lengths + b, 1, e.lengths[b], width, e.log_probs, 0};
      std::vector<float> scratch;
      const float* lp = width > 0 ? utterance_log_probs(u, 0, scratch) : nullptr;
      cpu::write_hypotheses(d, lp, e.lengths[b], &columns[b], b, found[b], o);
    });
  }
}

}  // namespace ctc4j::gpu
