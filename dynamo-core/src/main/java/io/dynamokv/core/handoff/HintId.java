/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.handoff;

import io.dynamokv.core.Key;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.ring.Token;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * Names one hint: the copy of {@code key} in {@code store} that this node holds for {@code owner}.
 * Every hinted write of one (store, key, owner) merges into the same hint, so a hint is the unit of
 * handoff.
 *
 * <p>Its storage key ({@link #toStorageKey}) is {@code u8 storeLength | store | token(key) | u16
 * keyLength | key | owner}: hints sort by store, then token (so a token range is one scan, as for
 * data), then key, and the hints of one key are adjacent, one per owner.
 */
public record HintId(String store, Key key, NodeId owner) implements Comparable<HintId> {
  // Ordered by store, key, owner (not as stored): a stable order for the index, cheap to compare.
  /**
   * The bytes a hint's storage key adds to the user key, at most: storage engines must accept keys
   * this much longer than a store's largest key.
   */
  public static final int KEY_OVERHEAD = 1 + 32 + Token.BYTES + 2 + 64;

  public HintId {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(owner, "owner");
  }

  public static HintId of(String store, byte[] key, NodeId owner) {
    return new HintId(store, Key.of(key), owner);
  }

  /** The storage key of this hint in the hints keyspace. */
  public byte[] toStorageKey() {
    byte[] prefix = keyPrefix(store, key.toByteArray());
    byte[] o = owner.value().getBytes(StandardCharsets.US_ASCII);
    byte[] out = Arrays.copyOf(prefix, prefix.length + o.length);
    System.arraycopy(o, 0, out, prefix.length, o.length);
    return out;
  }

  /**
   * The storage-key prefix shared by the hints of {@code key} in {@code store}, and by no other
   * key's.
   */
  static byte[] keyPrefix(String store, byte[] key) {
    byte[] s = store.getBytes(StandardCharsets.US_ASCII);
    if (s.length > 255 || key.length > 0xFFFF) {
      throw new IllegalArgumentException("store name or key too long for a hint");
    }
    byte[] out = new byte[1 + s.length + Token.BYTES + 2 + key.length];
    int at = 0;
    out[at++] = (byte) s.length;
    System.arraycopy(s, 0, out, at, s.length);
    at += s.length;
    Token.of(key).writeTo(out, at);
    at += Token.BYTES;
    out[at++] = (byte) (key.length >>> 8);
    out[at++] = (byte) key.length;
    System.arraycopy(key, 0, out, at, key.length);
    return out;
  }

  /**
   * The hint a storage key names.
   *
   * @throws IllegalArgumentException when {@code storageKey} is not one {@link #toStorageKey} made
   */
  public static HintId fromStorageKey(byte[] storageKey) {
    try {
      int at = 0;
      int storeLength = storageKey[at++] & 0xFF;
      String store = new String(storageKey, at, storeLength, StandardCharsets.US_ASCII);
      at += storeLength + Token.BYTES;
      int keyLength = ((storageKey[at] & 0xFF) << 8) | (storageKey[at + 1] & 0xFF);
      at += 2;
      byte[] key = Arrays.copyOfRange(storageKey, at, at + keyLength);
      at += keyLength;
      if (at >= storageKey.length || key.length != keyLength) {
        throw new IllegalArgumentException("no owner");
      }
      String owner = new String(storageKey, at, storageKey.length - at, StandardCharsets.US_ASCII);
      return new HintId(store, Key.wrap(key), NodeId.of(owner));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a hint's storage key: " + e.getMessage(), e);
    }
  }

  @Override
  public int compareTo(HintId other) {
    int c = store.compareTo(other.store);
    if (c == 0) {
      c = key.compareTo(other.key);
    }
    return c != 0 ? c : owner.compareTo(other.owner);
  }

  @Override
  public String toString() {
    return "hint of " + store + "/" + key + " for " + owner;
  }
}
