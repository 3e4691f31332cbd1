#!/usr/bin/env bash
# Regenerates src/main/gen-java from src/main/thrift/*.thrift with the Thrift compiler 0.17
# (Debian: apt-get install thrift-compiler). The generated code is committed so that a build needs
# no compiler; CI runs this script and fails when the result differs from what is committed.
set -euo pipefail
cd "$(dirname "$0")"
want="0.17.0"
have=$(thrift --version 2>/dev/null | awk '{print $3}') || true
if [ "$have" != "$want" ]; then
  echo "regenerate-thrift.sh: need the Thrift compiler $want on the PATH, found '${have:-none}'" >&2
  exit 1
fi
out=src/main/gen-java
rm -rf "$out"
mkdir -p "$out"
for idl in src/main/thrift/*.thrift; do
  thrift --gen java:private_members,fullcamel,generated_annotations=suppress -out "$out" "$idl"
done
