/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.security;

import io.dynamokv.core.AuthenticationException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * One end of an authenticated connection: integrity and replay protection for the messages of one
 * connection, from a key both ends hold, without confidentiality.
 *
 * <p><b>Handshake.</b> The client (the end that opened the connection) sends its role, its name,
 * the name of the node it means, the {@linkplain ClusterSecret#keyIds key id} of its key and a
 * fresh {@value #NONCE_BYTES}-byte nonce; the server, if it holds a key of that id for that role,
 * answers a fresh nonce of its own and a proof. Both ends then hold the connection key
 *
 * <pre>
 *   K = HMAC-SHA256(role key, "dynamo-kv channel 1" | role | sender | target | client nonce | server nonce)
 * </pre>
 *
 * (strings length-prefixed). The proof, {@code HMAC(K, "server")}, shows the client that the server
 * holds the role key; the first request's MAC shows the server that the client does. A message
 * captured on one connection is worthless on another: the key depends on both nonces.
 *
 * <p><b>Messages.</b> Requests carry sequence numbers 1, 2, 3, ... in the order they are written,
 * each with {@code HMAC(K, 'Q' | sequence | payload)}; the reply to request {@code s} carries
 * {@code HMAC(K, 'A' | s | payload)}. Several requests may await their replies at once, and replies
 * may come in any order. A request out of sequence (replayed, dropped or reordered), a reply to a
 * request that awaits none (replayed, or never sent), a MAC that does not match (altered), or any
 * message after one such failure is refused: the channel is {@linkplain #isBroken broken} for good.
 *
 * <p>Roles: {@link Role#PEER} authenticates nodes with the key labelled {@value
 * ClusterSecret#PEERS}; {@link Role#ADMIN} authenticates operators with the key labelled {@value
 * ClusterSecret#ADMIN}, which an {@link AdminToken} carries, so that an operator needs no cluster
 * secret.
 *
 * <p>The methods are synchronized, so that the ends may run them on different threads; a client
 * assigns a request its number and seals it under one lock with writing it, so that numbers follow
 * the wire order.
 */
public final class SecureChannel {
  /** The version of the handshake this class speaks. */
  public static final int VERSION = 1;

  /** Bytes of each end's nonce. */
  public static final int NONCE_BYTES = 32;

  /** Bytes of every MAC and proof. */
  public static final int MAC_BYTES = 32;

  /** The longest sender or target name accepted in a handshake, in UTF-8 bytes. */
  public static final int MAX_NAME_BYTES = 255;

  private static final String HMAC = Hkdf.HMAC;
  private static final byte[] CONTEXT = "dynamo-kv channel 1".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] SERVER_PROOF = "server".getBytes(StandardCharsets.US_ASCII);
  private static final byte REQUEST = 'Q';
  private static final byte REPLY = 'A';

  /** Who opens a channel, and so which key authenticates it. */
  public enum Role {
    /** Another node of the cluster. */
    PEER("peer", ClusterSecret.PEERS),
    /** An operator holding an {@link AdminToken}. */
    ADMIN("admin", ClusterSecret.ADMIN);

    private final String wireName;
    private final String label;

    Role(String wireName, String label) {
      this.wireName = wireName;
      this.label = label;
    }

    /** The role's name in a handshake. */
    public String wireName() {
      return wireName;
    }

    /** The {@link ClusterSecret#derive label} of the role's key. */
    public String label() {
      return label;
    }

    /**
     * The role a handshake names.
     *
     * @throws AuthenticationException if none is called that
     */
    public static Role of(String wireName) {
      for (Role r : values()) {
        if (r.wireName.equals(wireName)) {
          return r;
        }
      }
      throw new AuthenticationException("unknown role '" + wireName + "'");
    }
  }

  private final boolean client;
  private final Mac mac;
  private long sequence; // client: the last sent; server: the last accepted
  private final Set<Long> awaiting = new HashSet<>(); // client: requests awaiting their reply
  private boolean broken;

  private SecureChannel(boolean client, byte[] key) {
    this.client = client;
    try {
      this.mac = Mac.getInstance(HMAC);
      mac.init(new SecretKeySpec(key, HMAC));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK has no " + HMAC, e);
    } finally {
      Arrays.fill(key, (byte) 0);
    }
  }

  /**
   * The client's end, once the server's nonce and proof arrived.
   *
   * @param roleKey the 32-byte key of the role, of the key id the client announced
   * @throws AuthenticationException if the nonces are malformed or the proof does not show that the
   *     server holds {@code roleKey}
   */
  public static SecureChannel client(
      Role role,
      byte[] roleKey,
      String sender,
      String target,
      byte[] clientNonce,
      byte[] serverNonce,
      byte[] serverProof) {
    SecureChannel c =
        new SecureChannel(
            true, connectionKey(role, roleKey, sender, target, clientNonce, serverNonce));
    byte[] expected = c.compute(SERVER_PROOF);
    if (serverProof == null || !MessageDigest.isEqual(expected, serverProof)) {
      throw new AuthenticationException(
          target
              + " could not prove that it holds the cluster secret (wrong secret or not a node"
              + " of this cluster)");
    }
    return c;
  }

  /**
   * The server's end, for a client's handshake; send {@link #proof()} with {@code serverNonce}.
   *
   * @throws AuthenticationException if the nonces or names are malformed
   */
  public static SecureChannel server(
      Role role,
      byte[] roleKey,
      String sender,
      String target,
      byte[] clientNonce,
      byte[] serverNonce) {
    return new SecureChannel(
        false, connectionKey(role, roleKey, sender, target, clientNonce, serverNonce));
  }

  /** The server's proof that it holds the role key. */
  public synchronized byte[] proof() {
    return compute(SERVER_PROOF);
  }

  /** Client: the sequence number of the next request, counted as sent and awaiting its reply. */
  public synchronized long nextSequence() {
    requireClient(true);
    checkUsable();
    awaiting.add(++sequence);
    return sequence;
  }

  /**
   * Client: request {@code sequence} gets no sealed reply (its peer answered with an error, which
   * is not sealed): a reply to it is refused from now on.
   */
  public synchronized void forget(long sequence) {
    requireClient(true);
    awaiting.remove(sequence);
  }

  /** Client: the MAC of request {@code sequence} with {@code payload}. */
  public synchronized byte[] sealRequest(long sequence, byte[] payload) {
    requireClient(true);
    return compute(REQUEST, sequence, payload);
  }

  /**
   * Server: accepts request {@code sequence} if it is the next one and its MAC matches.
   *
   * @throws AuthenticationException (and the channel is broken) if not
   */
  public synchronized void openRequest(long sequence, byte[] payload, byte[] mac) {
    requireClient(false);
    checkUsable();
    if (sequence != this.sequence + 1) {
      broken = true;
      throw new AuthenticationException(
          "request "
              + sequence
              + " out of sequence (expected "
              + (this.sequence + 1)
              + "): replayed, reordered or dropped");
    }
    verify(compute(REQUEST, sequence, payload), mac, "request " + sequence);
    this.sequence = sequence;
  }

  /**
   * Server: the MAC of the reply to request {@code sequence}, one it accepted (each request is
   * answered once: the server's own code guarantees that).
   *
   * @throws IllegalStateException if request {@code sequence} was not accepted
   */
  public synchronized byte[] sealReply(long sequence, byte[] payload) {
    requireClient(false);
    if (sequence > this.sequence || sequence <= 0) {
      throw new IllegalStateException(
          "a reply to request " + sequence + " while the last accepted is " + this.sequence);
    }
    return compute(REPLY, sequence, payload);
  }

  /**
   * Client: accepts the reply to request {@code sequence} if that request awaits its reply and the
   * MAC matches; the request then awaits no more.
   *
   * @throws AuthenticationException (and the channel is broken) if not
   */
  public synchronized void openReply(long sequence, byte[] payload, byte[] mac) {
    requireClient(true);
    checkUsable();
    if (!awaiting.contains(sequence)) {
      broken = true;
      throw new AuthenticationException(
          sequence > 0 && sequence <= this.sequence
              ? "a second reply to request " + sequence
              : "a reply to request " + sequence + ", which was never sent");
    }
    verify(compute(REPLY, sequence, payload), mac, "the reply to request " + sequence);
    awaiting.remove(sequence);
  }

  /** Whether a message was refused: the channel refuses everything from then on. */
  public synchronized boolean isBroken() {
    return broken;
  }

  private void checkUsable() {
    if (broken) {
      throw new AuthenticationException("the channel refused a message before and is closed");
    }
  }

  private void verify(byte[] expected, byte[] actual, String what) {
    if (actual == null || !MessageDigest.isEqual(expected, actual)) {
      broken = true;
      throw new AuthenticationException(what + " has a wrong MAC: altered, or not from this peer");
    }
  }

  private void requireClient(boolean expected) {
    if (client != expected) {
      throw new IllegalStateException(
          "a " + (client ? "client" : "server") + " end cannot do this");
    }
  }

  private byte[] compute(byte[] data) {
    return mac.doFinal(data);
  }

  private byte[] compute(byte direction, long sequence, byte[] payload) {
    mac.update(direction);
    for (int shift = 56; shift >= 0; shift -= 8) {
      mac.update((byte) (sequence >>> shift));
    }
    return mac.doFinal(Objects.requireNonNull(payload, "payload"));
  }

  private static byte[] connectionKey(
      Role role,
      byte[] roleKey,
      String sender,
      String target,
      byte[] clientNonce,
      byte[] serverNonce) {
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(roleKey, "roleKey");
    nonce("client nonce", clientNonce);
    nonce("server nonce", serverNonce);
    try {
      Mac m = Mac.getInstance(HMAC);
      m.init(new SecretKeySpec(roleKey, HMAC));
      m.update(CONTEXT);
      field(m, role.wireName());
      field(m, name("sender", sender));
      field(m, name("target", target));
      m.update(clientNonce);
      m.update(serverNonce);
      return m.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK has no " + HMAC, e);
    }
  }

  private static void field(Mac m, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    m.update((byte) b.length);
    m.update(b);
  }

  private static String name(String what, String name) {
    if (name == null
        || name.isEmpty()
        || name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
      throw new AuthenticationException(
          "the handshake's " + what + " must be 1 to " + MAX_NAME_BYTES + " bytes");
    }
    return name;
  }

  private static void nonce(String what, byte[] nonce) {
    if (nonce == null || nonce.length != NONCE_BYTES) {
      throw new AuthenticationException(
          "the "
              + what
              + " must be "
              + NONCE_BYTES
              + " bytes, found "
              + (nonce == null ? "none" : nonce.length));
    }
  }
}
