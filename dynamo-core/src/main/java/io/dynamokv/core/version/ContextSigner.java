/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.version;

import io.dynamokv.core.InvalidContextException;
import io.dynamokv.core.security.ClusterSecret;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs the contexts the cluster hands to clients and verifies the ones clients bring back (SPEC
 * §2: a context from a client is untrusted input). A context is a clock the client cannot read into
 * or alter: a node obeys only a clock that one of the cluster's nodes issued for this very store
 * and key, so no client can claim counters nobody issued, and a context copied from another key is
 * refused instead of superseding versions the client never saw.
 *
 * <p>The signature is an HMAC-SHA-256, truncated to {@value #TAG_BYTES} bytes, over the store, the
 * key and the clock, with the key {@link ClusterSecret#derive derived} from the cluster secret
 * under {@link ClusterSecret#CONTEXTS}. Layout:
 *
 * <pre>
 * format (1 byte, = 2), kind (1 byte, 'M'), key id (4 bytes), tag (16 bytes), context ({@link VersionCodec})
 * </pre>
 *
 * The empty clock is the empty context (zero bytes, no signature): it claims nothing. Contexts are
 * signed with the first secret of the {@link ClusterSecret} and verified with any of them, so a
 * secret can be rotated without refusing the contexts clients hold.
 *
 * <p>Thread-safe.
 */
public final class ContextSigner {
  static final int TAG_BYTES = 16;
  private static final int FORMAT = 2;
  private static final int KIND = 'M';
  private static final int HEADER = 2 + 4 + TAG_BYTES;
  private static final byte[] DOMAIN = "dynamo-kv context".getBytes(StandardCharsets.US_ASCII);

  private final ClusterSecret.DerivedKeys keys;
  private final ThreadLocal<Mac[]> macs;

  public ContextSigner(ClusterSecret secret) {
    this.keys = secret.derive(ClusterSecret.CONTEXTS);
    this.macs = ThreadLocal.withInitial(() -> new Mac[keys.size()]);
  }

  /**
   * The signed context of {@code clock} for {@code key} of {@code store}; empty for the empty
   * clock.
   */
  public byte[] sign(String store, byte[] key, VectorClock clock) {
    return sign(store, key, CausalContext.of(clock));
  }

  /**
   * The signed form of {@code context} for {@code key} of {@code store}; empty for the empty
   * context.
   */
  public byte[] sign(String store, byte[] key, CausalContext context) {
    if (context.isEmpty()) {
      return new byte[0];
    }
    byte[] body = VersionCodec.encode(context);
    byte[] out = new byte[HEADER + body.length];
    out[0] = FORMAT;
    out[1] = KIND;
    ByteBuffer.wrap(out, 2, 4).putInt(keys.id(0));
    System.arraycopy(body, 0, out, HEADER, body.length);
    System.arraycopy(tag(0, store, key, out), 0, out, 6, TAG_BYTES);
    return out;
  }

  /**
   * The context a client brought back for {@code key} of {@code store}; the empty context for zero
   * bytes.
   *
   * @throws InvalidContextException naming why when the context was not issued by this cluster for
   *     this store and key: damaged or altered, signed with a secret this node does not have
   *     (another cluster's, or one rotated out), or made for another key or store
   */
  public CausalContext verify(String store, byte[] key, byte[] context) {
    if (context.length == 0) {
      return CausalContext.empty();
    }
    if (context.length <= HEADER || context[0] != FORMAT || context[1] != KIND) {
      throw new InvalidContextException(
          "invalid context: "
              + context.length
              + " bytes that are not a context this cluster signed"
              + (context.length >= 2 && context[0] == 1
                  ? " (an unsigned context of an earlier build: read the key again)"
                  : " (damaged)")
              + "; pass back the bytes a read returned, unchanged");
    }
    int id = ByteBuffer.wrap(context, 2, 4).getInt();
    int index = keys.indexOf(id);
    if (index < 0) {
      throw new InvalidContextException(
          String.format(
              "invalid context: signed with key %08x, which this cluster does not have: it comes"
                  + " from a cluster with another secret, or its secret was rotated out; read the"
                  + " key again",
              id));
    }
    byte[] expected = tag(index, store, key, context);
    if (!MessageDigest.isEqual(expected, Arrays.copyOfRange(context, 6, HEADER))) {
      throw new InvalidContextException(
          "invalid context: its signature does not match: it was damaged or altered, or a read of"
              + " another key or store returned it; pass back the bytes a read of this key"
              + " returned, unchanged");
    }
    return VersionCodec.decodeCausalContext(Arrays.copyOfRange(context, HEADER, context.length));
  }

  private byte[] tag(int index, String store, byte[] key, byte[] context) {
    Mac mac = mac(index);
    byte[] storeBytes = store.getBytes(StandardCharsets.UTF_8);
    mac.update(DOMAIN);
    mac.update(ByteBuffer.allocate(4).putInt(storeBytes.length).array());
    mac.update(storeBytes);
    mac.update(ByteBuffer.allocate(4).putInt(key.length).array());
    mac.update(key);
    mac.update(context, 2, 4);
    mac.update(context, HEADER, context.length - HEADER);
    return Arrays.copyOf(mac.doFinal(), TAG_BYTES);
  }

  private Mac mac(int index) {
    Mac[] cache = macs.get();
    if (cache[index] == null) {
      try {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(keys.key(index), "HmacSHA256"));
        cache[index] = mac;
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("this JDK has no HmacSHA256", e);
      }
    }
    return cache[index];
  }
}
