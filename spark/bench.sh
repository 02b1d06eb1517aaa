#!/usr/bin/env bash
# spark/bench.sh [MANIFEST] [RUNS] [REPEAT]: throughput of the Spark job on local[2] against `bin/ctc4j eval`
# on the same files (default ../shared/data/an4/test.jsonl, 3 runs each, alternating), in audio seconds per
# second: per process (JVM and Spark start-up included) and per job (the tools' own wall time; Spark's
# includes the per-executor model load and writing the JSON lines, the CLI's excludes its model load),
# and the CPU seconds each process used (user + system; needs /usr/bin/time), which a loaded machine
# distorts less than wall time.
# REPEAT > 1 lists every utterance REPEAT times, so start-up and JIT warm-up weigh less.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
manifest=$(readlink -f "${1:-$root/../shared/data/an4/test.jsonl}")
runs=${2:-3}
repeat=${3:-1}
model=$root/models/an4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Absolute audio paths, REPEAT times over.
dir=$(dirname "$manifest")
for ((k = 0; k < repeat; k++)); do
  sed -E "s#\"audio\": *\"([^/\"][^\"]*)\"#\"audio\": \"$dir/\1\"#" "$manifest"
done > "$work/manifest.jsonl"

"$root/bin/ctc4j" info > /dev/null              # builds the CLI jar when needed
"$root/spark/run.sh" --help > /dev/null          # builds the Spark jar when needed
cat $(sed -E 's/.*"audio": *"([^"]*)".*/\1/' "$work/manifest.jsonl" | sort -u) > /dev/null  # audio in the page cache

field() { sed -E "s/.*\"$1\": *([0-9.eE+-]+).*/\1/" <<< "$2"; }
echo "$(date -u '+%F %T UTC'), $(nproc) cores ($(lscpu | sed -nE 's/^Model name: *//p')), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "tool   run  wer     audio_s  process_s  cpu_s  job_s   audio_s/s(process)  audio_s/s(job)"
for ((r = 1; r <= runs; r++)); do
  for tool in cli spark; do
    if [ $tool = cli ]; then
      command=("$root/bin/ctc4j" eval --model "$model" --manifest "$work/manifest.jsonl" --json)
    else
      command=("$root/spark/run.sh" --master 'local[2]' --model "$model" --manifest "$work/manifest.jsonl"
        --output "$work/out-$r" --json)
    fi
    # Wall and CPU (user + system, all threads) seconds of the whole process.
    json=$(/usr/bin/time -f "%e %U %S" -o "$work/time" "${command[@]}")
    read -r process user system < "$work/time"
    audio=$(field audio_seconds "$json") job=$(field wall_seconds "$json") wer=$(field wer "$json")
    awk -v t=$tool -v r=$r -v w="$wer" -v a="$audio" -v p="$process" -v c="$(awk -v u="$user" -v s="$system" 'BEGIN { print u + s }')" -v j="$job" \
      'BEGIN { printf "%-6s %-4d %.4f  %7.1f  %9.1f  %5.1f  %6.1f  %18.1f  %14.1f\n", t, r, w, a, p, c, j, a / p, a / j }'
  done
done
echo "load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
