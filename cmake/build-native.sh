#!/usr/bin/env bash
# Configures, builds and installs the native libraries; called by Maven in generate-resources.
# usage: build-native.sh BUILD_DIR INSTALL_DIR CUDA(AUTO|ON|OFF) BRIDGE_OUTPUT_DIR
set -euo pipefail
build_dir=$1 install_dir=$2 cuda=$3 bridge_dir=$4
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$build_dir"
cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DCTC4J_CUDA="$cuda" \
      -DCMAKE_INSTALL_PREFIX="$install_dir" > "$build_dir.configure.log" 2>&1 \
  || { cat "$build_dir.configure.log"; exit 1; }
grep -E '^-- ctc4j' "$build_dir.configure.log" || true
cmake --build "$build_dir" --parallel "$(nproc)" > "$build_dir.build.log" 2>&1 \
  || { cat "$build_dir.build.log"; exit 1; }
grep -iE 'warning' "$build_dir.build.log" || true
cmake --install "$build_dir" > /dev/null
# libctc4j_cuda is dlopen'ed by libctc4j_cpu, never linked, so JavaCPP's copyLibs would miss it.
mkdir -p "$bridge_dir"
rm -f "$bridge_dir"/libctc4j_cuda.so
if [ -f "$install_dir/lib/libctc4j_cuda.so" ]; then cp "$install_dir/lib/libctc4j_cuda.so" "$bridge_dir/"; fi
