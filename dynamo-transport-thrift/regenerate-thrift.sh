#!/usr/bin/env bash
# Regenerates src/main/gen-java from src/main/thrift/*.thrift with the Thrift compiler 0.17
# (Debian: apt-get install thrift-compiler). The generated code is committed so that a build needs
# no compiler.
#
#   ./regenerate-thrift.sh          rewrite src/main/gen-java
#   ./regenerate-thrift.sh --check  regenerate into a temporary directory and fail if it differs
#                                   from what is committed (CI runs this)
set -euo pipefail
cd "$(dirname "$0")"
want="0.17.0"
have=$(thrift --version 2>/dev/null | awk '{print $3}') || true
if [ "$have" != "$want" ]; then
  echo "regenerate-thrift.sh: need the Thrift compiler $want on the PATH, found '${have:-none}'" >&2
  exit 1
fi
committed=src/main/gen-java
generate() {
  mkdir -p "$1"
  for idl in src/main/thrift/*.thrift; do
    thrift --gen java:private_members,fullcamel,generated_annotations=suppress -out "$1" "$idl"
  done
}
if [ "${1:-}" = "--check" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  generate "$tmp"
  if ! diff -r "$committed" "$tmp" >/dev/null; then
    echo "regenerate-thrift.sh: $committed is stale: the IDL changed without regenerating." >&2
    echo "Run dynamo-transport-thrift/regenerate-thrift.sh and commit the result." >&2
    diff -r "$committed" "$tmp" | head -40 >&2 || true
    exit 1
  fi
  echo "generated Thrift code is up to date"
else
  rm -rf "$committed"
  generate "$committed"
fi
