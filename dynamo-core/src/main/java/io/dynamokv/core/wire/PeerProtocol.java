/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.wire;

import io.dynamokv.core.spi.PeerMessage;

/**
 * One protocol spoken between nodes (coordination, membership; later hint delivery, anti-entropy,
 * range transfer): its id on the wire, the type of its messages and their binary codec. Each
 * protocol lives in its own package of dynamo-core with its message records; transports carry a
 * message as the protocol's id plus these bytes ({@link PeerProtocols}), so adding a protocol never
 * touches a transport, and the simulated network runs the same codec as the real one.
 *
 * <p>Contract:
 *
 * <ul>
 *   <li>{@link #encode} MUST start with a format byte of {@link #format()}, and MUST write the
 *       oldest version that can express the message: a message that needs a newer version is one
 *       the node creates only once every member reads it ({@link WireFormats}).
 *   <li>{@link #decode} MUST give back a message equal in content to the one encoded (records
 *       holding arrays compare them by content), MUST refuse a version outside {@link #format()}
 *       and any other malformed input with an {@link io.dynamokv.core.InvalidRequestException}
 *       saying what is wrong, and MUST NOT allocate more than the input's size justifies. A
 *       protocol whose service validates and counts what it refuses MAY instead hand the bytes over
 *       undecoded, as a message of its own type (membership does, with {@code
 *       GossipMessage.Encoded}).
 *   <li>Stateless and thread-safe.
 * </ul>
 *
 * @param <M> the protocol's messages (requests and replies)
 */
public interface PeerProtocol<M extends PeerMessage> {
  /** The protocol's id on the wire, 1 to 255, unique in a cluster (see {@link PeerProtocols}). */
  int id();

  /** The format family of its messages; its name is the protocol's name. */
  WireFormat format();

  /** The common type of its messages. */
  Class<M> messages();

  /** The binary form of {@code message}. */
  byte[] encode(M message);

  /** The message {@code bytes} encode. */
  M decode(byte[] bytes);

  /** The protocol's name, for errors and status. */
  default String name() {
    return format().family();
  }
}
