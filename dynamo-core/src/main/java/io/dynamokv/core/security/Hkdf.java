/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.security;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HKDF with HMAC-SHA-256 (RFC 5869); the JDK has no public HKDF before Java 24. */
final class Hkdf {
  static final String HMAC = "HmacSHA256";
  private static final int HASH_BYTES = 32;

  private Hkdf() {}

  /** HKDF-Extract: a pseudorandom key from input keying material and a salt. */
  static byte[] extract(byte[] salt, byte[] ikm) {
    return hmac(salt.length == 0 ? new byte[HASH_BYTES] : salt, ikm);
  }

  /** HKDF-Expand: {@code length} bytes of output keying material for {@code info}. */
  static byte[] expand(byte[] prk, byte[] info, int length) {
    if (length < 1 || length > 255 * HASH_BYTES) {
      throw new IllegalArgumentException("HKDF output length must be 1 to 8160, found " + length);
    }
    byte[] out = new byte[length];
    byte[] t = new byte[0];
    int done = 0;
    for (int i = 1; done < length; i++) {
      byte[] input = new byte[t.length + info.length + 1];
      System.arraycopy(t, 0, input, 0, t.length);
      System.arraycopy(info, 0, input, t.length, info.length);
      input[input.length - 1] = (byte) i;
      t = hmac(prk, input);
      int n = Math.min(t.length, length - done);
      System.arraycopy(t, 0, out, done, n);
      done += n;
    }
    Arrays.fill(t, (byte) 0);
    return out;
  }

  static byte[] hmac(byte[] key, byte[] data) {
    try {
      Mac mac = Mac.getInstance(HMAC);
      mac.init(new SecretKeySpec(key, HMAC));
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK has no " + HMAC, e);
    }
  }
}
