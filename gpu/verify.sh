#!/usr/bin/env bash
# The GPU harness: builds libctc4j_cpu, libctc4j_cuda and the check driver, compares every CUDA
# entry point with the CPU path (gpu/check) and with PyTorch/torchaudio (gpu/peers.py), runs
# compute-sanitizer over the small cases, times ours against the peers, and writes OUTDIR/summary.json.
#
#   gpu/verify.sh [--dry-run] [--lm FILE.arpa[.gz]] [--build-dir DIR] [--seed N] OUTDIR
#
# --dry-run: every step on a machine without a GPU (the CPU on both sides, the peers on the CPU when
# torch is importable, no sanitizer), so CI proves the script before a lease. Needs no Java.
# Steps are independent: a failing step is recorded in the summary and the next one runs.
# OUTDIR gets at most 7 files: summary.json, verify.log, build.log, checks.jsonl, peers.jsonl,
# sanitizer.log, steps.jsonl. See gpu/README.md for the device command.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dry=0 lm="" build="${TMPDIR:-/tmp}/ctc4j-gpu-build" seed=${CTC4J_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
while [ $# -gt 1 ]; do
  case $1 in
    --dry-run) dry=1; shift ;;
    --lm) lm=$2; shift 2 ;;
    --build-dir) build=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    *) echo "usage: gpu/verify.sh [--dry-run] [--lm FILE] [--build-dir DIR] [--seed N] OUTDIR" >&2; exit 2 ;;
  esac
done
[ $# -eq 1 ] || { echo "usage: gpu/verify.sh [--dry-run] [--lm FILE] [--build-dir DIR] [--seed N] OUTDIR" >&2; exit 2; }
out=$(mkdir -p "$1" && cd "$1" && pwd)
rm -f "$out"/{summary.json,verify.log,build.log,checks.jsonl,peers.jsonl,sanitizer.log,steps.jsonl}
exec > >(tee -a "$out/verify.log") 2>&1
[ -d /usr/local/cuda/bin ] && PATH=$PATH:/usr/local/cuda/bin
started=$(date +%s)
echo "ctc4j gpu/verify.sh: $( [ $dry = 1 ] && echo dry run || echo device run ), seed $seed, $(nproc) cores, $(date -u +%FT%TZ)"

# step NAME LIMIT_S FUNCTION ARGS...: runs one step under a time limit (never past the run's deadline),
# records its exit status, and rewrites the summary, so a run cut short still leaves one.
step() {
  local name=$1 limit=$2 t0 rc left
  shift 2
  left=$(( deadline - $(date +%s) ))
  [ "$left" -lt "$limit" ] && limit=$left
  echo "== $name (limit ${limit}s)"
  t0=$(date +%s%N)
  if [ "$limit" -gt 0 ]; then timeout --kill-after=10 "$limit" bash -c '"$@"' _ "$@"; rc=$?; else rc=124; fi
  printf '{"kind": "step", "name": "%s", "rc": %d, "seconds": %d.%03d, "timed_out": %s}\n' "$name" "$rc" \
    $(( ($(date +%s%N) - t0) / 1000000000 )) $(( ($(date +%s%N) - t0) / 1000000 % 1000 )) \
    "$( [ $rc = 124 ] || [ $rc = 137 ] && echo true || echo false)" >> "$out/steps.jsonl"
  echo "== $name: exit $rc"
  summarize > /dev/null
  return $rc
}

summarize() {
  python3 "$root/gpu/summary.py" --device "$device" --dry-run $dry --seed "$seed" --seconds $(( $(date +%s) - started )) \
    --out "$out/summary.json" "$out/steps.jsonl" "$out/checks.jsonl" "$out/peers.jsonl"
}

# The cuBLAS and cuDNN headers of the pip wheels next to torch, copied apart (only cublas*.h and cudnn*.h,
# so that the wheels' CUDA runtime headers cannot shadow nvcc's) for the build's declaration checks.
nvidia_headers() {
  python3 - "$build/nvidia-headers" <<'PY' 2>/dev/null
import glob, os, shutil, site, sys
out, dirs = sys.argv[1], []
roots = site.getsitepackages() + [site.getusersitepackages()]
for name, pattern in (("cublas", "nvidia/*/include/cublas*.h"), ("cudnn", "nvidia/cudnn/include/cudnn*.h")):
    files = [f for root in roots for f in glob.glob(os.path.join(root, pattern))]
    if files:
        os.makedirs(os.path.join(out, name), exist_ok=True)
        for f in files: shutil.copy(f, os.path.join(out, name))
        dirs.append(os.path.join(out, name))
print(";".join(dirs))
PY
}

build_native() {
  local generator=() cuda=ON
  command -v ninja >/dev/null && generator=(-G Ninja)
  [ $dry = 1 ] && cuda=AUTO  # the dry run compiles the CUDA library too where nvcc is found
  # sm_90 only, the H200's: one compilation per kernel (the Maven build compiles every architecture).
  local arch=(-DCMAKE_CUDA_ARCHITECTURES=90) headers
  headers=$(nvidia_headers)
  [ -n "$headers" ] && arch+=("-DCTC4J_NVIDIA_INCLUDE_DIRS=$headers")
  { cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DCTC4J_HARNESS=ON -DCTC4J_CUDA=$cuda \
      "${arch[@]}" -DCMAKE_INSTALL_PREFIX="$build/install" &&
    cmake --build "$build" --parallel "$(nproc)" && cmake --install "$build" >/dev/null; } > "$out/build.log" 2>&1
  local rc=$?
  grep -E '^-- ctc4j|warning|error' "$out/build.log" | head -40
  return $rc
}

device_name() {
  if [ $dry = 1 ]; then
    echo "dry run: no GPU ($(uname -m), $(nproc) cores)"
  elif command -v nvidia-smi >/dev/null; then
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | head -1
  else
    echo "unknown (no nvidia-smi)"
  fi
}

checks() {  # checks SIZE: the driver over the small or large cases, appended to checks.jsonl
  local flags=(--out "$out/checks.jsonl" --cuda-lib "$build/install/lib/libctc4j_cuda.so" --size "$1" --seed "$seed")
  [ $dry = 1 ] && flags+=(--dry-run)
  "$build/install/bin/ctc4j_gpu_check" "${flags[@]}"
}

# sanitize TOOL: compute-sanitizer over the small cases; the verdict becomes a check record.
sanitize() {
  local tool=$1 rc verdict detail
  local flags=(--out "$build/sanitize-$tool.jsonl" --cuda-lib "$build/install/lib/libctc4j_cuda.so" --size small --seed "$seed")
  if [ $dry = 1 ]; then
    "$build/install/bin/ctc4j_gpu_check" "${flags[@]}" --dry-run > /dev/null
    rc=$?
    verdict=null detail="dry run: the driver ran without compute-sanitizer (exit $rc)"
  else
    compute-sanitizer --tool "$tool" --error-exitcode 99 --print-limit 20 \
      "$build/install/bin/ctc4j_gpu_check" "${flags[@]}" >> "$out/sanitizer.log" 2>&1
    rc=$?
    detail=$(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' "$out/sanitizer.log" | tail -1)
    grep -q '"ok": false' "$build/sanitize-$tool.jsonl" 2>/dev/null && detail="$detail; a check failed under the sanitizer"
    if [ $rc = 0 ] && ! grep -q '"ok": false' "$build/sanitize-$tool.jsonl"; then verdict=true; else verdict=false; fi
  fi
  printf '{"kind": "check", "name": "sanitizer.%s", "ok": %s, "max_abs_err": 0, "max_rel_err": 0, "tolerance": "0 errors", "detail": "%s", "exit": %d%s}\n' \
    "$tool" "$verdict" "${detail//\"/\'}" "$rc" "$( [ $dry = 1 ] && echo ', "skipped": "dry run: no GPU"')" >> "$out/checks.jsonl"
  [ "$verdict" != false ]
}

# The interpreter with torch, else any python3 (the peers are then recorded as skipped).
python_for_peers() {
  local p
  for p in ${PYTHON:-} python3 /usr/bin/python3; do
    command -v "$p" >/dev/null && "$p" -c 'import torch, torchaudio' 2>/dev/null && { echo "$p"; return; }
  done
  echo python3
}

# The lib folders of the cuBLAS and cuDNN wheels beside torch, ':'-joined: on the loader path, the driver
# and peers.py open them (and cuDNN its sub-libraries, and cuBLAS its cublasLt) without CTC4J_*_PATH.
nvidia_library_path() {
  "$(python_for_peers)" - <<'PY' 2>/dev/null
import glob, os, site
roots = site.getsitepackages() + [site.getusersitepackages()]
patterns = ("nvidia/*/lib/libcublas.so*", "nvidia/cudnn/lib/libcudnn.so*")
dirs = {os.path.dirname(f) for root in roots for p in patterns for f in glob.glob(os.path.join(root, p))}
print(":".join(sorted(dirs)))
PY
}

language_model() {  # a plain ARPA file for the beam benchmark: --lm, a carried en-us 3-gram, or AN4's
  local src=${lm:-}
  [ -z "$src" ] && [ -f "$root/.gpu-carry/en-us-3gram.arpa.gz" ] && src=$root/.gpu-carry/en-us-3gram.arpa.gz
  [ -z "$src" ] && src=$root/models/an4/lm-3gram.arpa
  case $src in
    *.gz) gzip -dc "$src" > "$build/lm.arpa" && echo "$build/lm.arpa" ;;
    *) echo "$src" ;;
  esac
}

peers() {
  local python flags=(--lib "$build/install/lib" --out "$out/peers.jsonl" --seed "$seed" --lm "$(language_model)")
  python=$(python_for_peers)
  if [ $dry = 1 ]; then flags+=(--device cpu --dry-run); else flags+=(--device cuda); fi
  echo "peers with $python ($("$python" -c 'import torch; print("torch", torch.__version__)' 2>/dev/null || echo 'no torch'))"
  PYTHONUNBUFFERED=1 "$python" "$root/gpu/peers.py" "${flags[@]}"
}

mkdir -p "$build"
deadline=$(( started + ${CTC4J_VERIFY_SECONDS:-540} ))  # the whole run, under the device tool's 10 minutes
device=$(device_name)
nvidia_libs=$(nvidia_library_path)
[ -n "$nvidia_libs" ] && export LD_LIBRARY_PATH=$nvidia_libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
echo "cuBLAS/cuDNN wheel folders on the loader path: ${nvidia_libs:-none found}"
export root dry lm build seed out
export -f build_native nvidia_headers checks sanitize peers python_for_peers language_model
# The sanitizers last: they are the slowest steps, and the deadline trims what comes last.
if step build 300 build_native; then
  step checks.small 120 checks small
  step checks.large 240 checks large
  step peers 240 peers
  for tool in memcheck racecheck synccheck; do step "sanitizer.$tool" 120 sanitize "$tool"; done
else
  echo "the build failed: see build.log"
fi
summarize
