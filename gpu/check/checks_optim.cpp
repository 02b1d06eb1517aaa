// Fused optimiser steps and the clipping reductions, device vs CPU (optim.cu had no test before).
// Both sides run common/optim.h's per-element update; only FMA contraction may differ.
#include <cmath>

#include "check/harness.h"
#include "ctc4j/optim.h"

namespace harness {
namespace {

struct OptimCase {
  bool adam;
  int variant;  // SGD: 0 plain, 1 momentum, 2 nesterov; Adam: 0 Adam (L2), 1 AdamW
  int64_t n;
};

// Three steps from the same parameters, gradients and state; returns param and state after.
std::vector<std::vector<float>> run_steps(const OptimCase& k, int device, const std::vector<std::vector<float>>& grads,
                                          const std::vector<float>& start, double* ms) {
  Buffer<float> param(device, start), m(device, std::vector<float>(k.n, 0.0f)), v(device, std::vector<float>(k.n, 0.0f));
  *ms = 0;
  for (size_t step = 0; step < grads.size(); ++step) {
    Buffer<float> grad(device, grads[step]);
    *ms += time_ms([&] {
      if (k.adam) {
        ctc4j_optim_adam_options adam = ctc4j_optim_default_adam_options();
        adam.weight_decay = 1e-2f, adam.decoupled = k.variant;
        CTC4J_CHECK(ctc4j_optim_adam_step(device, &adam, param.get(), grad.get(), m.get(), v.get(), k.n,
                                          static_cast<int64_t>(step + 1)));
      } else {
        ctc4j_optim_sgd_options sgd = ctc4j_optim_default_sgd_options();
        sgd.lr = 0.1f, sgd.momentum = k.variant > 0 ? 0.9f : 0.0f, sgd.weight_decay = 1e-4f, sgd.nesterov = k.variant == 2;
        CTC4J_CHECK(ctc4j_optim_sgd_step(device, &sgd, param.get(), grad.get(), k.variant > 0 ? m.get() : nullptr, k.n,
                                         step == 0));
      }
    });
  }
  return {param.download(), m.download(), v.download()};
}

Result check_steps(const OptimCase& k, const Context& c, Random& rng) {
  const std::vector<float> start = rng.normals(k.n);
  std::vector<std::vector<float>> grads;
  for (int s = 0; s < 3; ++s) grads.push_back(rng.normals(k.n, 0.1f));
  Result r;
  r.tolerance = "abs 1e-6 + rel 1e-5 on parameters and state after 3 steps";
  const auto cpu = run_steps(k, CTC4J_CPU, grads, start, &r.cpu_ms);
  const auto dev = run_steps(k, c.device, grads, start, &r.device_ms);
  r.add("parameters", compare(dev[0], cpu[0], 1e-6, 1e-5));
  r.add("first moment / momentum", compare(dev[1], cpu[1], 1e-6, 1e-5));
  r.add("second moment", compare(dev[2], cpu[2], 1e-6, 1e-5));
  return r;
}

Result check_reductions(const Context& c, Random& rng, int64_t n) {
  const std::vector<float> x = rng.normals(n);
  Result r;
  r.tolerance = "sum of squares rel 1e-9 (double accumulation, another order); scale exact";
  double cpu = 0, dev = 0;
  {
    Buffer<float> a(CTC4J_CPU, x), b(c.device, x);
    r.cpu_ms = time_ms([&] { CTC4J_CHECK(ctc4j_optim_sum_squares(CTC4J_CPU, a.get(), n, &cpu)); });
    r.device_ms = time_ms([&] { CTC4J_CHECK(ctc4j_optim_sum_squares(c.device, b.get(), n, &dev)); });
  }
  const double rel = std::fabs(dev - cpu) / std::max(cpu, 1e-30);
  r.max_rel_err = rel;
  r.require(rel <= 1e-9, "sum of squares " + std::to_string(dev) + " vs " + std::to_string(cpu));
  Buffer<float> a(CTC4J_CPU, x), b(c.device, x);
  CTC4J_CHECK(ctc4j_optim_scale(CTC4J_CPU, a.get(), n, 0.37f));
  CTC4J_CHECK(ctc4j_optim_scale(c.device, b.get(), n, 0.37f));
  r.add("scale", compare_exact(b.download(), a.download()));
  return r;
}

}  // namespace

void add_optim_checks(std::vector<Check>& out) {
  const char* names[2][3] = {{"sgd", "sgd.momentum", "sgd.nesterov"}, {"adam", "adamw", nullptr}};
  for (int adam = 0; adam < 2; ++adam) {
    for (int variant = 0; variant < 3 && names[adam][variant] != nullptr; ++variant) {
      for (bool large : {false, true}) {
        const std::string name = std::string("optim.") + names[adam][variant] + (large ? ".n10M" : ".small");
        out.push_back({name, large, [=](const Context& c, Random& rng) {
                         return check_steps(OptimCase{adam == 1, variant, large ? c.shrink(10'000'000, 100'000) : 1003},
                                            c, rng);
                       }});
      }
    }
  }
  out.push_back({"optim.reductions.small", false, [](const Context& c, Random& rng) { return check_reductions(c, rng, 1003); }});
  out.push_back({"optim.reductions.n10M", true, [](const Context& c, Random& rng) {
                   return check_reductions(c, rng, c.shrink(10'000'000, 100'000));
                 }});
}

}  // namespace harness
