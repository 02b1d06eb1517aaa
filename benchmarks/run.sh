#!/usr/bin/env bash
# Installs ctc4j-core (no tests) and runs JMH benchmarks; arguments go to JMH, e.g.
#   benchmarks/run.sh LogMelBenchmark -f 1 -wi 3 -i 5
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mvn -q -B -f "$root/pom.xml" install -DskipTests -pl core -am
mvn -q -B -f "$root/benchmarks/pom.xml" compile exec:exec -Djmh.args="$*"
