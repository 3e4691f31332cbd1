/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.security;

import java.nio.ByteBuffer;
import java.util.Base64;

/**
 * The credential of admin operations (join, leave, remove): the key a {@link ClusterSecret} derives
 * under {@value ClusterSecret#ADMIN}, with its key id. It opens {@link SecureChannel.Role#ADMIN
 * admin channels} and never travels itself; being derived one-way, it does not reveal the secret,
 * and rotating the secret retires it.
 *
 * <p>Text form ({@link #encode}, {@link #parse}): {@value #PREFIX} followed by the base64url of the
 * 4-byte key id and the 32-byte key. {@link #toString()} never shows the key.
 */
public final class AdminToken {
  /** What every encoded token starts with. */
  public static final String PREFIX = "dynamo-admin-1:";

  private static final int KEY_BYTES = 32;

  private final int keyId;
  private final byte[] key;

  private AdminToken(int keyId, byte[] key) {
    this.keyId = keyId;
    this.key = key;
  }

  /** The token of {@code secret}'s signing secret. */
  public static AdminToken of(ClusterSecret secret) {
    ClusterSecret.DerivedKeys keys = secret.derive(ClusterSecret.ADMIN);
    return new AdminToken(keys.id(0), keys.key(0));
  }

  /**
   * Parses a token's text form (surrounding white space ignored).
   *
   * @throws IllegalArgumentException saying what is wrong, without echoing the text
   */
  public static AdminToken parse(String text) {
    String t = text == null ? "" : text.strip();
    if (!t.startsWith(PREFIX)) {
      throw new IllegalArgumentException(
          "not an admin token: it should start with "
              + PREFIX
              + " (print one with: dynamo"
              + " admin-token --config <node config>)");
    }
    byte[] raw;
    try {
      raw = Base64.getUrlDecoder().decode(t.substring(PREFIX.length()));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not an admin token: its body is not base64url");
    }
    if (raw.length != 4 + KEY_BYTES) {
      throw new IllegalArgumentException(
          "not an admin token: its body holds " + raw.length + " bytes, not " + (4 + KEY_BYTES));
    }
    ByteBuffer b = ByteBuffer.wrap(raw);
    int id = b.getInt();
    byte[] key = new byte[KEY_BYTES];
    b.get(key);
    return new AdminToken(id, key);
  }

  /** The text form, to hand to an operator. */
  public String encode() {
    ByteBuffer b = ByteBuffer.allocate(4 + KEY_BYTES).putInt(keyId).put(key);
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
  }

  /** The key id of the secret the token was derived from. */
  public int keyId() {
    return keyId;
  }

  /** The admin key (a copy). */
  public byte[] key() {
    return key.clone();
  }

  @Override
  public String toString() {
    return "AdminToken[key id " + ClusterSecret.hex(keyId) + "]";
  }
}
