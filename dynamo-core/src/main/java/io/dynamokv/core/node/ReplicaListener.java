/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import io.dynamokv.core.Key;
import io.dynamokv.core.version.Siblings;

/**
 * Told of every change of a key's local state, whatever caused it (a client write coordinated here,
 * a replica write; later hinted handoff, read repair, anti-entropy and range transfer): what a
 * Merkle tree per partition needs to stay current without rescanning the store. Called on the
 * node's scheduler after the change is stored, in the order of the changes; MUST NOT block or call
 * back into the node.
 */
public interface ReplicaListener {
  /**
   * Key {@code key} of {@code store} now holds {@code siblings}; it held {@code before} (empty when
   * absent), which an incremental structure such as an XOR-combined tree takes out again.
   *
   * @param partition the key's partition in the ring this node routes by, -1 while it has none
   */
  void onStored(String store, int partition, Key key, Siblings before, Siblings siblings);

  /**
   * Key {@code key} of {@code store} was dropped: this node holds nothing for it any more.
   *
   * @param partition the key's partition in the ring this node routes by, -1 while it has none
   * @param before what it held until then
   */
  void onDropped(String store, int partition, Key key, Siblings before);
}
