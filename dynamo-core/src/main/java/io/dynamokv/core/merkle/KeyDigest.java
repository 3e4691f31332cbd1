/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.merkle;

import io.dynamokv.core.version.Siblings;
import io.dynamokv.core.version.VersionCodec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The 64-bit digest of one key and its sibling set, the leaf value of the Merkle trees ({@link
 * PartitionTree}): {@code h} = {@value #BYTES} bytes.
 *
 * <p>Definition: the first 8 bytes (big-endian) of SHA-256 over
 *
 * <pre>
 * "dynamo-kv key digest 1" (ASCII), the user key's length (4 bytes, big-endian), the user key,
 * VersionCodec.encode(set)
 * </pre>
 *
 * with a result of 0 replaced by 1, so that {@link #ABSENT} (0) never is a key's digest. The
 * version codec's encoding is canonical (equal sets have equal bytes, whatever path built them), so
 * this digest is a function of the set's content: its values and tombstones with their write times,
 * their dots, the causal context (vector and the dots seen beyond it), the per-entry last write
 * times and the pruned-epoch floors.
 *
 * <p>Why the last write times and floors are included: {@link Siblings#sync} converges them (it
 * takes maxima), {@link Siblings#pruned} depends on them, and read repair already treats a replica
 * whose set differs only there as stale. Two replicas that hold a synced set therefore hold equal
 * values of them; leaving them out would let two replicas keep different write times for ever and
 * later prune differently. Nothing replica-local lives in a {@link Siblings} (how a replica stores
 * it, e.g. an older storage format, does not reach the digest: the set is re-encoded).
 *
 * <p>A key whose set is {@linkplain Siblings#isEmpty() empty} has no digest: it is absent from the
 * tree, written {@link #ABSENT} where a digest is expected.
 */
public final class KeyDigest {
  /** The digest's size in bytes: the h of the cost formulas. */
  public static final int BYTES = 8;

  /** Stands for "no key": never the digest of a present key. */
  public static final long ABSENT = 0L;

  private static final byte[] DOMAIN = "dynamo-kv key digest 1".getBytes(StandardCharsets.US_ASCII);

  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException("every Java platform must provide SHA-256", e);
            }
          });

  private KeyDigest() {}

  /** The digest of {@code userKey} holding {@code set}; {@link #ABSENT} if the set is empty. */
  public static long of(byte[] userKey, Siblings set) {
    if (set.isEmpty()) {
      return ABSENT;
    }
    return ofEncoded(userKey, VersionCodec.encode(set));
  }

  /**
   * The digest of {@code userKey} holding the set {@code encodedSet} encodes, for a caller that
   * already has its canonical encoding ({@link VersionCodec#encode(Siblings)}, never an older
   * stored format); {@link #ABSENT} for zero bytes.
   */
  public static long ofEncoded(byte[] userKey, byte[] encodedSet) {
    if (encodedSet.length == 0) {
      return ABSENT;
    }
    MessageDigest sha = SHA256.get();
    sha.update(DOMAIN);
    int n = userKey.length;
    sha.update(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
    sha.update(userKey);
    byte[] d = sha.digest(encodedSet);
    long v = 0;
    for (int i = 0; i < BYTES; i++) {
      v = (v << 8) | (d[i] & 0xFF);
    }
    return v == ABSENT ? 1L : v;
  }
}
