/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.security;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * The secret every node of a cluster shares: one or more secrets, the first of which signs while
 * every one verifies (so the secret can be rotated node by node). Keys for each purpose are derived
 * from it with HKDF under a label ({@link #derive}); each secret also has a 32-bit key id, derived
 * the same way, that rides with what it signs so a verifier knows which secret to use.
 *
 * <p>The text form ({@link #parse}) is what a secret file holds: one secret per line in base64, at
 * least {@value #MIN_SECRET_BYTES} bytes (32 random bytes recommended: {@code head -c 32
 * /dev/urandom | base64}); blank lines and lines starting with {@code #} are ignored; the first
 * secret signs.
 *
 * <p>Immutable and thread-safe. {@link #toString()} never shows the secrets.
 */
public final class ClusterSecret {
  /** The label of the key that signs client contexts. */
  public static final String CONTEXTS = "contexts";

  /**
   * The label of the key nodes authenticate each other's connections with ({@link SecureChannel}).
   */
  public static final String PEERS = "peers";

  /**
   * The label of the key operators authenticate admin connections with; an {@link AdminToken}
   * carries it, so a leaked token does not reveal the secret (HKDF is one-way).
   */
  public static final String ADMIN = "admin";

  /** The shortest secret accepted, in bytes. */
  public static final int MIN_SECRET_BYTES = 16;

  private static final byte[] SALT = "dynamo-kv cluster secret".getBytes(StandardCharsets.US_ASCII);
  private static final int KEY_BYTES = 32;

  private final List<byte[]> prks; // HKDF pseudorandom keys, one per secret, signing first
  private final int[] ids;

  private ClusterSecret(List<byte[]> prks, int[] ids) {
    this.prks = prks;
    this.ids = ids;
  }

  /**
   * A cluster secret from raw secrets, the first of which signs.
   *
   * @throws IllegalArgumentException if there is none, one is shorter than {@value
   *     #MIN_SECRET_BYTES} bytes, or two have the same key id (the same secret twice)
   */
  public static ClusterSecret of(List<byte[]> secrets) {
    if (secrets.isEmpty()) {
      throw new IllegalArgumentException("a cluster secret needs at least one secret");
    }
    List<byte[]> prks = new ArrayList<>();
    int[] ids = new int[secrets.size()];
    for (int i = 0; i < secrets.size(); i++) {
      byte[] secret = Objects.requireNonNull(secrets.get(i), "secret");
      if (secret.length < MIN_SECRET_BYTES) {
        throw new IllegalArgumentException(
            "secret "
                + (i + 1)
                + " has "
                + secret.length
                + " bytes; a cluster secret needs at least "
                + MIN_SECRET_BYTES
                + " (32 random bytes recommended)");
      }
      byte[] prk = Hkdf.extract(SALT, secret);
      byte[] id = Hkdf.expand(prk, "key id".getBytes(StandardCharsets.US_ASCII), 4);
      ids[i] = (id[0] & 0xFF) << 24 | (id[1] & 0xFF) << 16 | (id[2] & 0xFF) << 8 | (id[3] & 0xFF);
      for (int j = 0; j < i; j++) {
        if (ids[j] == ids[i]) {
          throw new IllegalArgumentException(
              "secrets "
                  + (j + 1)
                  + " and "
                  + (i + 1)
                  + " are the same secret (key id "
                  + hex(ids[i])
                  + ")");
        }
      }
      prks.add(prk);
    }
    return new ClusterSecret(List.copyOf(prks), ids);
  }

  /**
   * Parses the text of a secret file: one base64 secret per line, the first signing; blank lines
   * and {@code #} comments are ignored.
   *
   * @param source names the text in error messages (e.g. the file's path)
   * @throws IllegalArgumentException naming {@code source} and the line when the text is not a
   *     valid secret file
   */
  public static ClusterSecret parse(String text, String source) {
    List<byte[]> secrets = new ArrayList<>();
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      byte[] secret;
      try {
        secret = Base64.getDecoder().decode(line);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            source + ":" + (i + 1) + ": not a base64 secret (" + e.getMessage() + ")");
      }
      if (secret.length < MIN_SECRET_BYTES) {
        throw new IllegalArgumentException(
            source
                + ":"
                + (i + 1)
                + ": the secret has "
                + secret.length
                + " bytes, at least "
                + MIN_SECRET_BYTES
                + " are needed (make one with: head -c 32 /dev/urandom | base64)");
      }
      secrets.add(secret);
    }
    if (secrets.isEmpty()) {
      throw new IllegalArgumentException(
          source + ": holds no secret (make one with: head -c 32 /dev/urandom | base64)");
    }
    try {
      return of(secrets);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(source + ": " + e.getMessage());
    }
  }

  /** The key id of the signing secret. */
  public int signingKeyId() {
    return ids[0];
  }

  /** The key ids of every secret, the signing one first. */
  public List<Integer> keyIds() {
    List<Integer> out = new ArrayList<>(ids.length);
    for (int id : ids) {
      out.add(id);
    }
    return List.copyOf(out);
  }

  /**
   * The keys for one purpose: for each secret, the 32-byte key HKDF derives under {@code label}.
   */
  public DerivedKeys derive(String label) {
    byte[] info = ("dynamo-kv " + label).getBytes(StandardCharsets.UTF_8);
    byte[][] keys = new byte[ids.length][];
    for (int i = 0; i < ids.length; i++) {
      keys[i] = Hkdf.expand(prks.get(i), info, KEY_BYTES);
    }
    return new DerivedKeys(label, ids.clone(), keys);
  }

  static String hex(int id) {
    return String.format("%08x", id);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("ClusterSecret[key ids ");
    for (int i = 0; i < ids.length; i++) {
      sb.append(i == 0 ? "" : ", ").append(hex(ids[i])).append(i == 0 ? " (signing)" : "");
    }
    return sb.append(']').toString();
  }

  /** The keys of one purpose, by key id; the first signs. */
  public static final class DerivedKeys {
    private final String label;
    private final int[] ids;
    private final byte[][] keys;

    private DerivedKeys(String label, int[] ids, byte[][] keys) {
      this.label = label;
      this.ids = ids;
      this.keys = keys;
    }

    /** The purpose these keys serve. */
    public String label() {
      return label;
    }

    /** How many keys there are (one per secret). */
    public int size() {
      return ids.length;
    }

    /** The key id of key {@code index}; index 0 signs. */
    public int id(int index) {
      return ids[index];
    }

    /** Key {@code index} (a copy). */
    public byte[] key(int index) {
      return keys[index].clone();
    }

    /** The index of the key with {@code id}, or -1 if none has it. */
    public int indexOf(int id) {
      for (int i = 0; i < ids.length; i++) {
        if (ids[i] == id) {
          return i;
        }
      }
      return -1;
    }

    @Override
    public String toString() {
      return "DerivedKeys[" + label + ", " + ids.length + " keys]";
    }
  }
}
