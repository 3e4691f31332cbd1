#!/usr/bin/env python3
"""Summarises JFR recordings of dynamo-kv nodes: where Java samples fall, selector wake-ups, GC.

Usage: python3 scripts/jfr-summary.py node-1.jfr [node-2.jfr ...]   (needs `jfr` from a JDK on the PATH)
docs/benchmarks.md ("What a profile of the nodes shows is left") says how the recordings are taken.
"""
import collections
import json
import re
import subprocess
import sys


def events(path, name):
    out = subprocess.run(["jfr", "print", "--json", "--events", name, path],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)["recording"]["events"]


def seconds(iso):
    m = re.match(r"PT(?:(\d+)M)?([\d.]+)S", iso)
    return int(m.group(1) or 0) * 60 + float(m.group(2)) if m else 0.0


def frames(event):
    stack = event["values"].get("stackTrace")
    if not stack:
        return []
    return [f["method"]["type"]["name"] + "." + f["method"]["name"] for f in stack["frames"]]


def category(names):
    joined = " ".join(names)
    top = " ".join(names[:3])
    if "SHA2" in joined or "javax/crypto/Mac" in joined:
        return "HMAC/SHA-256 (peer MACs)"
    if "lmdbjava" in joined or "jnr/" in joined or "kenai" in joined:
        return "LMDB (lmdbjava, jnr)"
    if re.search(r"Codec|PeerProtocols|WireReader|WireWriter", top):
        return "codecs (version, coordination, peer)"
    if "thrift" in names[0] or "ByteArrayOutputStream" in names[0] or "TMemoryBuffer" in top:
        return "Thrift framing, protocol, buffers"
    if re.search(r"CompletableFuture|ConcurrentLinked|LockSupport|ThreadScheduler|AbstractQueued", names[0]):
        return "CompletableFuture, executors, queues"
    if "io/dynamokv" in names[0]:
        return "node logic"
    return "other JDK (collections, NIO)"


def main(paths):
    java = collections.Counter()
    native = collections.Counter()
    wakes = collections.Counter()
    collections_run, paused = 0, 0.0
    for path in paths:
        for e in events(path, "jdk.ExecutionSample"):
            names = frames(e)
            if names:
                java[category(names)] += 1
        for e in events(path, "jdk.NativeMethodSample"):
            names = frames(e)
            if not names:
                continue
            native[names[0]] += 1
            if names[0].endswith(".set0"):  # EventFD.set0: a selector woken from another thread
                caller = next((n for n in names if "dynamokv" in n or "thrift" in n), names[-1])
                wakes[caller] += 1
        for e in events(path, "jdk.GarbageCollection"):
            collections_run += 1
            paused += seconds(e["values"]["duration"])
    total = sum(java.values())
    print(f"Java execution samples: {total}")
    for name, n in java.most_common():
        print(f"  {n * 100 / max(total, 1):5.1f}% {name}")
    print(f"native-method samples: {sum(native.values())}; top frames: {native.most_common(4)}")
    print(f"selector wake-ups sampled (EventFD.set0): {sum(wakes.values())}, by caller: {wakes.most_common(4)}")
    print(f"GC: {collections_run} collections, {paused:.2f} s of pauses over {len(paths)} recording(s)")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
