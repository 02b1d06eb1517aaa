// CTC loss and gradient, device vs CPU. The CPU runs its log-space recursions for the comparison
// (ctc4j_ctc_set_log_space_only), the ones the CUDA kernel runs; its default linear-space result
// is reported beside it. Small cases carry the edge cases: an empty input, an empty target, an
// infeasible utterance, a run of repeated labels.
#include <cmath>

#include "check/harness.h"
#include "ctc4j/ctc.h"

namespace harness {
namespace {

struct CtcCase {
  int time, batch, classes, max_target;
  bool activations, edge_cases;
  double loss_rel, grad_abs;  // tolerances
};

struct CtcInputs {
  std::vector<float> inputs;  // [time, batch, classes]
  std::vector<int64_t> input_lengths, target_offsets, target_lengths;
  std::vector<int32_t> targets;
};

CtcInputs make_inputs(const CtcCase& k, Random& rng) {
  CtcInputs in;
  in.inputs = rng.normals(static_cast<size_t>(k.time) * k.batch * k.classes, 2.0f);
  if (!k.activations) log_softmax_rows(in.inputs, k.classes);
  for (int b = 0; b < k.batch; ++b) {
    int64_t frames = b == 0 ? k.time : rng.integer(k.time / 2, k.time);
    int64_t length = rng.integer(0, std::min<int64_t>(k.max_target, frames / 2));
    bool repeats = false;
    if (k.edge_cases) {
      switch (b) {
        case 1: frames = 0, length = 0; break;                                       // empty input
        case 2: length = 0; break;                                                   // empty target
        case 3: frames = std::max<int64_t>(1, k.max_target / 2), length = k.max_target; break;  // infeasible
        case 4: repeats = true, length = std::min<int64_t>(k.max_target, (frames + 1) / 2); break;
      }
    }
    in.input_lengths.push_back(frames);
    in.target_offsets.push_back(static_cast<int64_t>(in.targets.size()));
    in.target_lengths.push_back(length);
    const int32_t label = static_cast<int32_t>(rng.integer(1, k.classes - 1));
    for (int64_t i = 0; i < length; ++i) {
      in.targets.push_back(repeats ? label : static_cast<int32_t>(rng.integer(1, k.classes - 1)));
    }
  }
  return in;
}

struct CtcOutputs {
  std::vector<float> losses, grad;
};

CtcOutputs run_ctc(const CtcCase& k, const CtcInputs& in, int device, double* ms) {
  Buffer<float> inputs(device, in.inputs), grad(device, in.inputs.size());
  grad.poison();
  CtcOutputs out{std::vector<float>(k.batch), {}};
  const std::vector<float> scales(k.batch, 1.0f);
  ctc4j_ctc_batch batch = ctc4j_ctc_default_batch();
  batch.inputs = inputs.get();
  batch.max_time = k.time, batch.batch = k.batch, batch.alphabet = k.classes;
  batch.input_lengths = in.input_lengths.data();
  batch.targets = in.targets.data();
  batch.target_offsets = in.target_offsets.data();
  batch.target_lengths = in.target_lengths.data();
  batch.targets_size = static_cast<int64_t>(in.targets.size());
  ctc4j_ctc_options options = ctc4j_ctc_default_options();
  options.input_kind = k.activations ? CTC4J_CTC_ACTIVATIONS : CTC4J_CTC_LOG_PROBS;
  *ms = time_ms([&] {
    CTC4J_CHECK(ctc4j_ctc_loss(device, &batch, &options, out.losses.data(), scales.data(), grad.get()));
  });
  out.grad = grad.download();
  return out;
}

// Sets the CPU's log-space switch for one scope.
struct LogSpaceOnly {
  LogSpaceOnly() { ctc4j_ctc_set_log_space_only(1); }
  ~LogSpaceOnly() { ctc4j_ctc_set_log_space_only(0); }
};

Result check_ctc(const CtcCase& k, Random& rng, const Context& c) {
  const CtcInputs in = make_inputs(k, rng);
  Result r;
  r.tolerance = "loss rel " + std::to_string(k.loss_rel) + " (+abs 1e-3), gradient abs " + std::to_string(k.grad_abs) +
                " vs the CPU's log-space recursion";
  CtcOutputs cpu;
  {
    LogSpaceOnly same_recursion;
    cpu = run_ctc(k, in, CTC4J_CPU, &r.cpu_ms);
  }
  const CtcOutputs dev = run_ctc(k, in, c.device, &r.device_ms);
  r.add("losses", compare(dev.losses, cpu.losses, 1e-3, k.loss_rel));
  r.add("gradient", compare(dev.grad, cpu.grad, k.grad_abs, 0));
  double linear_ms;
  const CtcOutputs linear = run_ctc(k, in, CTC4J_CPU, &linear_ms);
  const Diff vs_linear = compare(dev.grad, linear.grad, k.grad_abs, 0);
  r.detail += (r.detail.empty() ? "" : "; ") + std::string("vs the CPU's default linear space: gradient max abs ") +
              std::to_string(vs_linear.max_abs) + ", loss max rel " +
              std::to_string(compare(dev.losses, linear.losses, 1e-3, k.loss_rel).max_rel);
  if (k.edge_cases) {
    r.require(dev.losses[1] == 0.0f, "an empty input with an empty target must have loss 0");
    r.require(std::isinf(dev.losses[3]), "the infeasible utterance's loss must be +inf");
  }
  return r;
}

// A NaN input is refused with a message naming utterance, frame and class, as on the CPU.
Result check_rejects_nan(const Context& c, Random& rng) {
  const CtcCase k{20, 3, 6, 4, false, false, 0, 0};
  CtcInputs in = make_inputs(k, rng);
  in.input_lengths.assign(3, 20);
  in.inputs[(7 * 3 + 2) * 6 + 4] = NAN;  // frame 7, utterance 2, class 4
  Result r;
  r.tolerance = "status INVALID_ARGUMENT naming utterance 2, frame 7, class 4";
  try {
    double ms;
    run_ctc(k, in, c.device, &ms);
    r.require(false, "a NaN log-probability was accepted");
  } catch (const ApiError& e) {
    const std::string m = e.what();
    r.detail = m;
    r.require(e.status == CTC4J_INVALID_ARGUMENT && m.find("utterance 2") != std::string::npos &&
                  m.find("frame 7") != std::string::npos && m.find("class 4") != std::string::npos,
              "wrong error");
  }
  return r;
}

}  // namespace

void add_ctc_checks(std::vector<Check>& out) {
  auto add = [&](const std::string& name, bool large, auto make_case) {
    out.push_back({name, large, [make_case](const Context& c, Random& rng) { return check_ctc(make_case(c), rng, c); }});
  };
  add("ctc.small.log_probs", false, [](const Context&) { return CtcCase{50, 6, 10, 10, false, true, 1e-5, 1e-4}; });
  add("ctc.small.activations", false, [](const Context&) { return CtcCase{50, 6, 10, 10, true, true, 1e-5, 1e-4}; });
  add("ctc.bench.500x16x29x100", true, [](const Context& c) {
    return CtcCase{c.shrink(500, 100), c.shrink(16, 4), 29, c.shrink(100, 20), false, false, 1e-5, 1e-4};
  });
  add("ctc.bench.150x128x28x40", true, [](const Context& c) {
    return CtcCase{150, c.shrink(128, 8), 28, 40, false, false, 1e-5, 1e-4};
  });
  add("ctc.bench.150x64x5000x20", true, [](const Context& c) {
    return CtcCase{150, c.shrink(64, 4), c.shrink(5000, 500), 20, false, false, 1e-5, 1e-4};
  });
  add("ctc.T10000.S1000.C5000", true, [](const Context& c) {  // the long case: tolerances grow with T
    return CtcCase{c.shrink(10000, 1000), 2, c.shrink(5000, 100), c.shrink(1000, 100), false, false, 1e-4, 5e-3};
  });
  add("ctc.B128.C5000.activations", true, [](const Context& c) {
    return CtcCase{200, c.shrink(128, 8), c.shrink(5000, 300), 50, true, false, 1e-5, 1e-4};
  });
  out.push_back({"ctc.rejects_nan", false, check_rejects_nan});
}

}  // namespace harness
