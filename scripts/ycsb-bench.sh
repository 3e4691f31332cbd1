#!/usr/bin/env bash
# Builds dynamo-kv and runs YCSB workloads A, B and C against a local cluster that it starts and
# stops itself (io.dynamokv.bench.ycsb.YcsbBench; --help lists the options). The report, the CSV
# of every run and the plots go to --out (default target/ycsb).
#
#   scripts/ycsb-bench.sh --runs 3                                  # LMDB, write-no-sync
#   scripts/ycsb-bench.sh --runs 3 --durability sync --data-dir /var/tmp/ycsb
#   scripts/ycsb-bench.sh --dynamo-home /path/to/other/checkout --label before
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
(cd "$root" && mvn -B -q -Dstyle.color=never -pl dynamo-server,dynamo-bench -am package \
  -DskipTests -Dspotless.check.skip=true)
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
exec "$java" -Djava.awt.headless=true -cp "$root/dynamo-bench/target/benchmarks.jar" \
  io.dynamokv.bench.ycsb.YcsbBench --dynamo-home "$root" "$@"
