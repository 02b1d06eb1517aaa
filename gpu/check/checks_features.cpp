// Log-mel and SpecAugment masks, device vs CPU, on noisy tones of uneven lengths (never silence:
// the log of a power near its 1e-10 floor says nothing about the kernel).
#include <cmath>

#include "check/harness.h"
#include "ctc4j/features.h"

namespace harness {
namespace {

struct MelCase {
  int batch;
  int64_t longest;  // samples
  int normalize;
  bool uneven;
};

std::vector<float> audio(Random& rng, int batch, int64_t stride, const std::vector<int64_t>& lengths) {
  std::vector<float> x(static_cast<size_t>(batch) * stride, 0.0f);
  for (int b = 0; b < batch; ++b) {
    const float hz = rng.uniform(100.0f, 4000.0f);
    for (int64_t i = 0; i < lengths[b]; ++i) {
      x[b * stride + i] = 0.3f * std::sin(6.2831853f * hz * i / 16000.0f) + 0.05f * rng.normal();
    }
  }
  return x;
}

class MelPlan {
 public:
  MelPlan() {
    ctc4j_mel_config config = ctc4j_mel_default_config();
    config.hop_length = 160, config.n_mels = 80, config.f_max = 8000.0f;
    CTC4J_CHECK(ctc4j_mel_create(&config, &mel_));
  }
  ~MelPlan() { ctc4j_mel_destroy(mel_); }
  ctc4j_mel* get() const { return mel_; }
  int64_t frames(int64_t samples) const {
    int64_t f = 0;
    CTC4J_CHECK(ctc4j_mel_frames(mel_, samples, &f));
    return f;
  }

 private:
  ctc4j_mel* mel_ = nullptr;
};

std::vector<float> run_mel(const MelPlan& plan, int device, const std::vector<float>& x, const std::vector<int64_t>& lengths,
                           int64_t stride, int normalize, int64_t max_frames, double* ms) {
  const int batch = static_cast<int>(lengths.size());
  Buffer<float> in(device, x), out(device, static_cast<size_t>(batch) * 80 * max_frames);
  out.poison();
  std::vector<int64_t> frames(batch);
  ctc4j_features_audio audio = ctc4j_features_default_audio();
  audio.samples = in.get(), audio.lengths = lengths.data(), audio.batch = batch, audio.stride = stride;
  *ms = time_ms([&] {
    CTC4J_CHECK(ctc4j_features_log_mel(plan.get(), device, &audio, normalize, out.get(), max_frames, frames.data()));
  });
  return out.download();
}

Result check_mel(const MelCase& k, const Context& c, Random& rng) {
  std::vector<int64_t> lengths(k.batch, k.longest);
  for (int b = 1; b < k.batch && k.uneven; ++b) lengths[b] = rng.integer(401, k.longest);
  const MelPlan plan;
  const int64_t max_frames = plan.frames(k.longest);
  const std::vector<float> x = audio(rng, k.batch, k.longest, lengths);
  Result r;
  // Both sides are float32 FFTs of different summation order: an absolute error on the log power
  // (the relative error of the power) of 2e-3 where the power is far above float noise.
  r.tolerance = k.normalize ? "abs 2e-3 + rel 1e-3 on normalised log-mel" : "abs 2e-3 + rel 1e-4 on ln(power)";
  const std::vector<float> cpu = run_mel(plan, CTC4J_CPU, x, lengths, k.longest, k.normalize, max_frames, &r.cpu_ms);
  const std::vector<float> dev = run_mel(plan, c.device, x, lengths, k.longest, k.normalize, max_frames, &r.device_ms);
  r.add("log-mel", compare(dev, cpu, 2e-3, k.normalize ? 1e-3 : 1e-4));
  return r;
}

Result check_masks(const Context& c, Random& rng) {
  const int batch = 4, n_mels = 80;
  const int64_t frames = 300;
  const std::vector<float> features = rng.normals(static_cast<size_t>(batch) * n_mels * frames);
  std::vector<int32_t> masks;
  for (int m = 0; m < 12; ++m) {
    const int axis = m % 2;
    const int64_t extent = axis == 0 ? n_mels : frames;
    const int64_t width = rng.integer(0, extent / 4), start = rng.integer(0, extent - width);
    masks.insert(masks.end(), {static_cast<int32_t>(m % batch), axis, static_cast<int32_t>(start),
                               static_cast<int32_t>(width)});
  }
  auto run = [&](int device, double* ms) {
    Buffer<float> x(device, features);
    *ms = time_ms([&] {
      CTC4J_CHECK(ctc4j_features_mask(device, x.get(), batch, n_mels, frames, masks.data(), 12, -1.5f));
    });
    return x.download();
  };
  Result r;
  r.tolerance = "exact";
  r.add("masked features", compare_exact(run(c.device, &r.device_ms), run(CTC4J_CPU, &r.cpu_ms)));
  return r;
}

}  // namespace

void add_feature_checks(std::vector<Check>& out) {
  auto add = [&](const std::string& name, bool large, auto make_case) {
    out.push_back({name, large, [make_case](const Context& c, Random& rng) { return check_mel(make_case(c), c, rng); }});
  };
  add("log_mel.small", false, [](const Context&) { return MelCase{3, 16000, 0, true}; });
  add("log_mel.small.normalize_utterance", false, [](const Context&) { return MelCase{3, 12000, 1, true}; });
  add("log_mel.small.normalize_feature", false, [](const Context&) { return MelCase{3, 12000, 2, true}; });
  add("log_mel.B32x16s", true, [](const Context& c) { return MelCase{c.shrink(32, 4), 16 * 16000, 0, true}; });
  add("log_mel.30min", true, [](const Context& c) { return MelCase{1, c.shrink(30 * 60, 60) * 16000LL, 0, false}; });
  out.push_back({"mask_features.small", false, check_masks});
}

}  // namespace harness
