// wav2vec2's blocks that run on CUDA today (group norm, GELU, attention), device vs CPU.
#include <cmath>

#include "check/harness.h"
#include "ctc4j/transformer.h"

namespace harness {
namespace {

Result check_gelu(const Context& c, Random& rng, int64_t n) {
  const std::vector<float> x = rng.normals(n, 3.0f), residual = rng.normals(n);
  auto run = [&](int device, double* ms) {
    Buffer<float> a(device, x), res(device, residual), y(device, n);
    y.poison();
    *ms = time_ms([&] { CTC4J_CHECK(ctc4j_transformer_gelu_forward(device, a.get(), res.get(), y.get(), n)); });
    return y.download();
  };
  Result r;
  r.tolerance = "abs 1e-5 + rel 1e-5 (erf on each side)";
  r.add("gelu + residual", compare(run(c.device, &r.device_ms), run(CTC4J_CPU, &r.cpu_ms), 1e-5, 1e-5));
  return r;
}

Result check_group_norm(const Context& c, Random& rng, int64_t steps, int64_t channels, int64_t groups, bool gelu) {
  const std::vector<float> x = rng.normals(steps * channels, 2.0f), gamma = rng.normals(channels), beta = rng.normals(channels);
  auto run = [&](int device, double* ms) {
    Buffer<float> a(device, x), g(device, gamma), b(device, beta), y(device, x.size());
    y.poison();
    ctc4j_transformer_group_norm norm = ctc4j_transformer_default_group_norm();
    norm.steps = steps, norm.channels = channels, norm.groups = groups, norm.gamma = g.get(), norm.beta = b.get();
    norm.gelu = gelu;
    *ms = time_ms([&] { CTC4J_CHECK(ctc4j_transformer_group_norm_forward(device, &norm, a.get(), y.get())); });
    return y.download();
  };
  Result r;
  r.tolerance = "abs 1e-4 + rel 1e-4";
  r.add("group norm", compare(run(c.device, &r.device_ms), run(CTC4J_CPU, &r.cpu_ms), 1e-4, 1e-4));
  return r;
}

// q, k and v as column ranges of one fused [steps, 3 * width] projection, as wav2vec2 calls it.
Result check_attention(const Context& c, Random& rng, int64_t steps, int64_t heads, int64_t head_dim) {
  const int64_t width = heads * head_dim, ld = 3 * width;
  const std::vector<float> qkv = rng.normals(steps * ld);
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  auto run = [&](int device, double* ms) {
    Buffer<float> in(device, qkv), out(device, steps * width);
    out.poison();
    ctc4j_transformer_attention shape = ctc4j_transformer_default_attention();
    shape.steps = steps, shape.heads = heads, shape.head_dim = head_dim, shape.scale = scale;
    shape.ld_q = ld, shape.ld_k = ld, shape.ld_v = ld, shape.ld_out = width;
    *ms = time_ms([&] {
      CTC4J_CHECK(ctc4j_transformer_attention_forward(device, &shape, in.get(), in.get() + width, in.get() + 2 * width,
                                                      out.get()));
    });
    return out.download();
  };
  Result r;
  r.tolerance = "abs 2e-5 + rel 1e-4 (online softmax in float on both sides)";
  r.add("attention", compare(run(c.device, &r.device_ms), run(CTC4J_CPU, &r.cpu_ms), 2e-5, 1e-4));
  return r;
}

}  // namespace

void add_transformer_checks(std::vector<Check>& out) {
  out.push_back({"gelu.small", false, [](const Context& c, Random& rng) { return check_gelu(c, rng, 5003); }});
  out.push_back({"gelu.n10M", true, [](const Context& c, Random& rng) { return check_gelu(c, rng, c.shrink(10'000'000, 100'000)); }});
  out.push_back({"group_norm.small", false, [](const Context& c, Random& rng) { return check_group_norm(c, rng, 37, 24, 4, true); }});
  out.push_back({"group_norm.wav2vec2_conv0", true, [](const Context& c, Random& rng) {  // 512 groups of one channel
                   return check_group_norm(c, rng, c.shrink(32000, 3200), 512, 512, true);
                 }});
  out.push_back({"attention.small", false, [](const Context& c, Random& rng) { return check_attention(c, rng, 45, 3, 16); }});
  out.push_back({"attention.1500x12x64", true, [](const Context& c, Random& rng) {
                   return check_attention(c, rng, c.shrink(1500, 200), 12, 64);
                 }});
  out.push_back({"attention.1500x8x128", true, [](const Context& c, Random& rng) {
                   return check_attention(c, rng, c.shrink(1500, 200), 8, 128);
                 }});
}

}  // namespace harness
