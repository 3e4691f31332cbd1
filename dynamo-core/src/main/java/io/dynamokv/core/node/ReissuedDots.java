/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import io.dynamokv.core.version.Siblings;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Watches the sibling sets a node stores and reads for values that share a dot (some node issued a
 * dot twice, e.g. after its disk rolled back unnoticed): each such key is counted in {@link
 * NodeStats#reissuedDots()} and reported to the {@link DynamoNode.EventListener}s once. Runs on the
 * node's scheduler; remembers a bounded number of keys.
 */
final class ReissuedDots {
  private static final int MAX_REPORTED_KEYS = 10_000;

  private final NodeStats stats;
  private final List<DynamoNode.EventListener> listeners = new CopyOnWriteArrayList<>();

  /** Keys already reported, so each is reported once. */
  private final Map<String, Boolean> reportedKeys = new LinkedHashMap<>();

  ReissuedDots(NodeStats stats) {
    this.stats = stats;
  }

  void addListener(DynamoNode.EventListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /** Reports {@code key} if {@code after} holds more reissued dots than {@code before}. */
  void check(StoreDefinition def, byte[] key, Siblings before, Siblings after) {
    if (after.reissuedDots() <= before.reissuedDots()) {
      return;
    }
    String id = def.name() + "/" + HexFormat.of().formatHex(key);
    if (reportedKeys.containsKey(id)) {
      return;
    }
    if (reportedKeys.size() >= MAX_REPORTED_KEYS) {
      var oldest = reportedKeys.keySet().iterator();
      oldest.next();
      oldest.remove();
    }
    reportedKeys.put(id, Boolean.TRUE);
    stats.reissuedDots++;
    for (DynamoNode.EventListener l : listeners) {
      l.onReissuedDot(def.name(), key.clone(), after);
    }
  }
}
