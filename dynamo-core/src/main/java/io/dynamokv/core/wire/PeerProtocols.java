/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.wire;

import io.dynamokv.core.InvalidRequestException;
import io.dynamokv.core.spi.PeerMessage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The peer protocols a node speaks, by id: what a transport of bytes encodes each message with and
 * decodes each arriving one by, and what a node dispatches requests by. {@link Failure} (id 1)
 * answers any request and is always included. Assigned ids:
 *
 * <table>
 *   <caption>protocol ids</caption>
 *   <tr><th>id</th><th>protocol</th><th>package</th></tr>
 *   <tr><td>1</td><td>failure</td><td>{@code wire} ({@link Failure})</td></tr>
 *   <tr><td>2</td><td>membership</td><td>{@code membership} (gossip)</td></tr>
 *   <tr><td>3</td><td>coordination</td><td>{@code coordination} (replica reads and writes,
 *       forwarded writes)</td></tr>
 *   <tr><td>4</td><td>anti-entropy</td><td>{@code merkle} (tree exchanges and syncs)</td></tr>
 *   <tr><td>5</td><td>transfer</td><td>{@code transfer} (partition streaming, readiness for a
 *       ring switch)</td></tr>
 * </table>
 *
 * <p>Immutable and thread-safe.
 */
public final class PeerProtocols {
  private final SortedMap<Integer, PeerProtocol<?>> byId = new TreeMap<>();

  private final ClassValue<PeerProtocol<?>> byType =
      new ClassValue<>() {
        @Override
        protected PeerProtocol<?> computeValue(Class<?> type) {
          for (PeerProtocol<?> p : byId.values()) {
            if (p.messages().isAssignableFrom(type)) {
              return p;
            }
          }
          return null;
        }
      };

  private PeerProtocols(List<PeerProtocol<?>> protocols) {
    for (PeerProtocol<?> p : protocols) {
      if (p.id() < 1 || p.id() > 255) {
        throw new IllegalArgumentException(p.name() + ": protocol ids are 1 to 255, not " + p.id());
      }
      PeerProtocol<?> before = byId.putIfAbsent(p.id(), p);
      if (before != null) {
        throw new IllegalArgumentException(
            p.name() + " and " + before.name() + " both claim protocol id " + p.id());
      }
    }
    for (PeerProtocol<?> a : byId.values()) {
      for (PeerProtocol<?> b : byId.values()) {
        if (a != b && (a.name().equals(b.name()) || a.messages().isAssignableFrom(b.messages()))) {
          throw new IllegalArgumentException(
              "protocols " + a.name() + " and " + b.name() + " overlap");
        }
      }
    }
  }

  /** The protocols given, plus {@link Failure#PROTOCOL}. */
  public static PeerProtocols of(PeerProtocol<?>... protocols) {
    List<PeerProtocol<?>> all = new ArrayList<>();
    all.add(Failure.PROTOCOL);
    all.addAll(Arrays.asList(protocols));
    return new PeerProtocols(all);
  }

  /** Every protocol, by id. */
  public SortedMap<Integer, PeerProtocol<?>> byId() {
    return Collections.unmodifiableSortedMap(byId);
  }

  /**
   * The protocol {@code message} belongs to.
   *
   * @throws IllegalArgumentException when none of these protocols carries it (a programming error)
   */
  public PeerProtocol<?> protocolOf(PeerMessage message) {
    PeerProtocol<?> p = byType.get(Objects.requireNonNull(message, "message").getClass());
    if (p == null) {
      throw new IllegalArgumentException(
          message.getClass().getName() + " belongs to no protocol this node speaks: " + this);
    }
    return p;
  }

  /**
   * {@code message} as its protocol's id and bytes.
   *
   * @throws IllegalArgumentException when no protocol carries it
   */
  public Frame encode(PeerMessage message) {
    return new Frame(protocolOf(message).id(), encodeWith(protocolOf(message), message));
  }

  /**
   * The message {@code bytes} of protocol {@code protocol} encode.
   *
   * @throws InvalidRequestException when the protocol is unknown or the bytes do not decode
   */
  public PeerMessage decode(int protocol, byte[] bytes) {
    PeerProtocol<?> p = byId.get(protocol);
    if (p == null) {
      throw new InvalidRequestException(
          "unsupported peer protocol "
              + protocol
              + " (this node speaks "
              + this
              + "): is the peer running a newer version?");
    }
    return p.decode(bytes);
  }

  /** Decodes a frame. */
  public PeerMessage decode(Frame frame) {
    return decode(frame.protocol(), frame.bytes());
  }

  private static <M extends PeerMessage> byte[] encodeWith(
      PeerProtocol<M> protocol, PeerMessage message) {
    return protocol.encode(protocol.messages().cast(message));
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    byId.forEach(
        (id, p) -> sb.append(sb.length() == 0 ? "" : ", ").append(id).append(' ').append(p.name()));
    return sb.toString();
  }

  /**
   * One message on the wire: its protocol's id and its bytes. The array is not copied: neither side
   * may modify it.
   */
  public record Frame(int protocol, byte[] bytes) {
    public Frame {
      Objects.requireNonNull(bytes, "bytes");
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Frame f && f.protocol == protocol && Arrays.equals(f.bytes, bytes);
    }

    @Override
    public int hashCode() {
      return 31 * protocol + Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
      return "Frame[protocol " + protocol + ", " + bytes.length + " bytes]";
    }
  }
}
