#!/usr/bin/env bash
# Builds and runs the libFuzzer target of the native LM cache reader (optional: needs clang with
# -fsanitize=fuzzer, e.g. Debian's `apt-get install clang`; not part of the Maven build).
#   fuzz/lm-cache.sh [SECONDS]      (default 60)
# The LM (api/lm.cpp, handles/lm.cpp) is compiled alone with libFuzzer, ASan and UBSan; the harness stubs the two things it links
# to outside itself. Findings are written to target/fuzz/lm-cache/ (crash-*, timeout-*);
# copy one to core/src/test/resources/dev/ctc4j/lm/LmCacheFuzzTestInputs/load/ so the Java suite replays it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seconds="${1:-60}"
out="$root/target/fuzz/lm-cache"
command -v clang++ >/dev/null || { echo "clang++ not found (apt-get install clang)" >&2; exit 1; }
mkdir -p "$out/corpus"
cp "$root"/core/src/test/resources/dev/ctc4j/lm/LmCacheFuzzTestInputs/load/* "$out/corpus/"
clang++ -std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"$root/core/src/main/cpp/include" -I"$root/core/src/main/cpp" \
  "$root/fuzz/lm_cache_fuzzer.cpp" "$root/core/src/main/cpp/api/lm.cpp" "$root/core/src/main/cpp/handles/lm.cpp" \
  -o "$out/lm_cache_fuzzer"
cd "$out"
./lm_cache_fuzzer -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512 \
  -artifact_prefix="$out/" corpus
