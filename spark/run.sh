#!/usr/bin/env bash
# spark/run.sh --manifest M --model DIR|ID [--output OUT] [--master URL] [--decoder greedy|beam] [--beam-width N]
#   [--lm ARPA] [--alpha A] [--beta B] [--lexicon FILE] [--hotword PHRASE=BONUS]... [--batch-size N]
#   [--threads N] [--partitions N] [--conf KEY=VALUE]... [--json]
# Transcribes a manifest with Spark (local[*] unless --master says otherwise), writes JSON lines
# (audio, text, words, audio_seconds, error) under OUT (when given) and prints WER/CER as `bin/ctc4j eval` does.
# Builds spark/target/ctc4j-spark.jar and Spark's classpath first when missing or older than a source.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
jar="$root/spark/target/ctc4j-spark.jar"
classpath="$root/spark/target/spark-classpath.txt"
if [ ! -f "$jar" ] || [ ! -f "$classpath" ] || [ -n "$(find "$root"/{core,spark}/src/main "$root"/{core,spark}/pom.xml \
                                 "$root/cuda" "$root/cmake" "$root/CMakeLists.txt" "$root/pom.xml" -newer "$jar" -print -quit)" ]; then
  echo "ctc4j-spark: building $jar (first run or sources changed) ..." >&2
  mvn -q -B -f "$root/pom.xml" package -DskipTests -pl spark -am ${CTC4J_MVN_ARGS:-} >&2
fi

master=local
for ((i = 1; i < $#; i++)); do
  if [ "${!i}" = --master ]; then j=$((i + 1)); master=${!j}; fi
done
local_conf=()
if [[ $master == local* ]]; then # a local run keeps every socket on the loopback address and starts no web UI
  export SPARK_LOCAL_IP=${SPARK_LOCAL_IP:-127.0.0.1}
  local_conf=(--conf spark.ui.enabled=false)
fi
exec java @"$root/spark/spark-jvm.options" -Dlog4j2.configurationFile="$root/spark/log4j2.properties" ${CTC4J_JAVA_OPTS:-} \
  -cp "$jar:$(cat "$classpath")" dev.ctc4j.spark.ManifestEvaluationJob "${local_conf[@]}" "$@"
