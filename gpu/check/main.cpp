// ctc4j_gpu_check: runs the harness's checks and writes one JSON object per line.
//   ctc4j_gpu_check --out FILE.jsonl --cuda-lib PATH [--dry-run] [--size small|large|all] [--seed N] [--only TEXT]
// Each check runs on its own: an exception or a failed comparison is recorded and the next one runs.
#include <dlfcn.h>

#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "check/harness.h"
#include "check/json.h"

namespace harness {
namespace {

struct Options {
  std::string out, cuda_lib, only, size = "all";
  bool dry_run = false;
  uint64_t seed = std::random_device{}();
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    if (a == "--out") o.out = value();
    else if (a == "--cuda-lib") o.cuda_lib = value();
    else if (a == "--only") o.only = value();
    else if (a == "--size") o.size = value();
    else if (a == "--seed") o.seed = std::stoull(value());
    else if (a == "--dry-run") o.dry_run = true;
    else throw std::invalid_argument("unknown argument " + a);
  }
  if (o.out.empty()) throw std::invalid_argument("--out FILE is required");
  if (o.size != "small" && o.size != "large" && o.size != "all") throw std::invalid_argument("bad --size " + o.size);
  return o;
}

// The ABI fingerprints of the two libraries, and the device's memory-pool support: read from
// libctc4j_cuda directly, which loads without a driver (cudart is static and opens it lazily).
Result library_check(const Options& o, int device, JsonLine& info) {
  Result r;
  r.tolerance = "fingerprints equal";
  void* lib = dlopen(o.cuda_lib.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    r.require(false, std::string("cannot open ") + o.cuda_lib + ": " + dlerror());
    return r;
  }
  auto abi = reinterpret_cast<uint64_t (*)()>(dlsym(lib, "ctc4jcu_abi_fingerprint"));
  r.require(abi != nullptr, "libctc4j_cuda exports no ctc4jcu_abi_fingerprint");
  if (abi != nullptr) {
    char text[80];
    std::snprintf(text, sizeof text, "cuda %016" PRIx64 ", cpu %016" PRIx64, abi(), ctc4j_abi_fingerprint());
    r.detail = text;
    r.require(abi() == ctc4j_abi_fingerprint(), "ABI fingerprints differ");
  }
  if (device != CTC4J_CPU) {
    auto pools = reinterpret_cast<int (*)(int, int*)>(dlsym(lib, "ctc4jcu_memory_pools_supported"));
    int supported = 0;
    r.require(pools != nullptr && pools(device, &supported) == CTC4J_OK, "cannot query memory-pool support");
    info.boolean("memory_pools", supported != 0);
    r.detail += supported ? "; memory pools supported" : "; memory pools NOT supported (cudaMallocAsync falls back)";
    // The machine has torch's pip wheels of cuBLAS and cuDNN: the run-time search must find both.
    const std::string libraries = ctc4j_cuda_libraries();
    info.text("cuda_libraries", libraries);
    r.detail += "; " + libraries;
    r.require(libraries.find(" not found") == std::string::npos && libraries.find("cuBLAS ") == 0,
              "cuBLAS or cuDNN not found by the run-time search");
  }
  return r;
}

void write_result(std::ostream& out, const std::string& name, const Result& r, const Context& c, double seconds) {
  JsonLine line;
  line.text("kind", "check").text("name", name).boolean("ok", r.ok).number("max_abs_err", r.max_abs_err);
  line.number("max_rel_err", r.max_rel_err).text("tolerance", r.tolerance).text("detail", r.detail);
  line.integer("seed", static_cast<int64_t>(c.seed)).boolean("dry_run", c.dry_run).number("seconds", seconds);
  if (r.device_ms >= 0) line.number("device_ms", r.device_ms);
  if (r.cpu_ms >= 0) line.number("cpu_ms", r.cpu_ms);
  out << line.str() << std::endl;
  std::printf("%-44s %s  abs %.3g rel %.3g  %s\n", name.c_str(), r.ok ? "ok  " : "FAIL", r.max_abs_err, r.max_rel_err,
              r.detail.c_str());
  std::fflush(stdout);
}

int run(const Options& o) {
  int count = 0;
  CTC4J_CHECK(ctc4j_cuda_device_count(&count));
  const int device = o.dry_run ? CTC4J_CPU : 0;
  std::ofstream out(o.out, std::ios::app);
  JsonLine info;
  info.text("kind", "info").text("cpu_features", ctc4j_cpu_features()).integer("threads", ctc4j_num_threads());
  info.text("cuda_status", ctc4j_cuda_status()).integer("cuda_devices", count).boolean("dry_run", o.dry_run);
  info.integer("seed", static_cast<int64_t>(o.seed));
  if (!o.dry_run && count > 0) {
    char name[256];
    CTC4J_CHECK(ctc4j_cuda_device_name(0, name, sizeof name));
    info.text("device", name);
  }
  std::printf("seed %" PRIu64 " (replay with --seed %" PRIu64 "); CUDA: %s\n", o.seed, o.seed, ctc4j_cuda_status());

  const Context small{device, o.dry_run, false, o.seed};
  if (o.size != "large" && o.only.empty()) {
    Result lib = library_check(o, device, info);
    if (!o.dry_run) lib.require(count > 0, std::string("no usable CUDA device: ") + ctc4j_cuda_status());
    write_result(out, "library.abi_and_device", lib, small, 0);
  }
  out << info.str() << std::endl;
  if (!o.dry_run && count == 0) return 1;  // every check below would only repeat that

  std::vector<Check> checks;
  add_ctc_checks(checks);
  add_feature_checks(checks);
  add_decode_checks(checks);
  add_optim_checks(checks);
  add_transformer_checks(checks);
  add_nn_checks(checks);
  add_library_checks(checks);
  int failed = 0;
  for (size_t i = 0; i < checks.size(); ++i) {
    const Check& check = checks[i];
    if ((o.size == "small" && check.large) || (o.size == "large" && !check.large)) continue;
    if (!o.only.empty() && check.name.find(o.only) == std::string::npos) continue;
    const Context c{device, o.dry_run, check.large, o.seed + i};  // a seed per check: each replays alone
    Random rng(c.seed);
    Result r;
    const double ms = time_ms([&] {
      try {
        r = check.run(c, rng);
      } catch (const std::exception& e) {
        r.require(false, std::string("threw: ") + e.what());
      }
    });
    failed += r.ok ? 0 : 1;
    write_result(out, check.name, r, c, ms / 1000);
  }
  std::printf("%d of the checks failed\n", failed);
  return 0;  // failures are in the file; the exit code says only that the driver itself worked
}

}  // namespace
}  // namespace harness

int main(int argc, char** argv) {
  try {
    return harness::run(harness::parse(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ctc4j_gpu_check: %s\n", e.what());
    return 2;
  }
}
