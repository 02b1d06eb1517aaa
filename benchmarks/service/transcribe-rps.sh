#!/usr/bin/env bash
# Requests per second of POST /v1/transcribe under load: starts `bin/ctc4j serve` on loopback, runs wrk
# for a bounded time with CONNECTIONS concurrent connections posting one AN4 test utterance, then scrapes
# /metrics and stops the server gracefully (SIGTERM).
#   benchmarks/service/transcribe-rps.sh MODEL_DIR [SECONDS=20] [CONNECTIONS=16] [AUDIO=an4 test an406-fcaw-b.flac]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
model=${1:?usage: transcribe-rps.sh MODEL_DIR [SECONDS] [CONNECTIONS] [AUDIO]}
seconds=${2:-20}
connections=${3:-16}
audio=${4:-$root/../shared/data/an4/test/fcaw/an406-fcaw-b.flac}
command -v wrk >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y wrk)

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$root/bin/ctc4j" serve --model "$model" --host 127.0.0.1 --port "$port" --max-jobs "$connections" &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT
until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do
  kill -0 "$server" 2>/dev/null || { echo "the server exited" >&2; exit 1; }
  sleep 1
done
threads=$(( connections < 2 ? connections : 2 )) # wrk needs a connection per thread
# Warm up (JIT, buffers), then let the jobs wrk abandons at its end finish (they keep their slots, so
# a run started at once would begin with a burst of 503s), then measure.
AUDIO="$audio" wrk -t "$threads" -c "$connections" -d 5s --timeout 60s -s "$root/benchmarks/service/post-audio.lua" \
  "http://127.0.0.1:$port/v1/transcribe" >/dev/null
sleep 3
AUDIO="$audio" wrk -t "$threads" -c "$connections" -d "${seconds}s" --timeout 60s --latency -s "$root/benchmarks/service/post-audio.lua" \
  "http://127.0.0.1:$port/v1/transcribe"
echo "--- /metrics (real-time factor per upload: wall time / audio time)"
curl -s "http://127.0.0.1:$port/metrics" | grep -E '^ctc4j_(real_time_factor_(sum|count)|audio_seconds_total|http_requests_total)'
