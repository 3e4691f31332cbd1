/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.membership;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.spi.PeerMessage;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The gossip protocol's messages (Cassandra's three-way exchange). One round between an initiator
 * {@code A} and a peer {@code B}:
 *
 * <ol>
 *   <li>{@code A → B} {@link Syn}: digests ({@code node → generation:version}) of everything A
 *       knows, its ring digest and its removal records (rare and tiny, sent whole). B merges the
 *       removals.
 *   <li>{@code B → A} {@link Ack} (the response): the states B has that are newer than A's digests,
 *       the ring if B's is newer, the removals A lacks, and the ids of the nodes for which A is
 *       newer (and whether B wants A's ring).
 *   <li>{@code A → B} {@link Ack2}: the states and ring B asked for; B answers {@link Ack2Reply}.
 * </ol>
 *
 * Only what the other side lacks is sent. {@link MembershipCodec} gives each message a compact
 * binary form.
 */
public sealed interface GossipMessage extends PeerMessage {

  /** Round opener: what the initiator knows, as digests. */
  record Syn(
      SortedMap<NodeId, VersionStamp> digests,
      long ringEpoch,
      long ringVersion,
      NodeId ringAuthor,
      SortedMap<NodeId, Removal> removals)
      implements GossipMessage {
    /**
     * @param ringEpoch the initiator's ring's {@link RingState#epoch() epoch}, 0 without a ring
     * @param ringVersion 0 and {@code ringAuthor} null when the initiator has no ring
     */
    public Syn {
      digests = Collections.unmodifiableSortedMap(new TreeMap<>(digests));
      removals = Collections.unmodifiableSortedMap(new TreeMap<>(removals));
      if ((ringAuthor == null) != (ringVersion == 0)) {
        throw new IllegalArgumentException("ring digest must be both 0/null or both set");
      }
      if (ringAuthor == null && ringEpoch != 0) {
        throw new IllegalArgumentException("a ring epoch without a ring: " + ringEpoch);
      }
    }

    /** A digest of a ring in epoch 0. */
    public Syn(
        SortedMap<NodeId, VersionStamp> digests,
        long ringVersion,
        NodeId ringAuthor,
        SortedMap<NodeId, Removal> removals) {
      this(digests, 0, ringVersion, ringAuthor, removals);
    }
  }

  /** The peer's answer: what the initiator lacks and what the peer wants. */
  record Ack(
      List<NodeState> states,
      RingState ring,
      SortedMap<NodeId, Removal> removals,
      SortedSet<NodeId> requests,
      boolean wantRing)
      implements GossipMessage {
    /**
     * @param ring the peer's ring when newer than the initiator's, else {@code null}
     */
    public Ack {
      states = List.copyOf(states);
      removals = Collections.unmodifiableSortedMap(new TreeMap<>(removals));
      requests = Collections.unmodifiableSortedSet(new TreeSet<>(requests));
    }
  }

  /** The states (and ring) the peer asked for in its {@link Ack}. */
  record Ack2(List<NodeState> states, RingState ring) implements GossipMessage {
    public Ack2 {
      states = List.copyOf(states);
    }
  }

  /** Response to {@link Ack2}: carries nothing. */
  record Ack2Reply() implements GossipMessage {}

  /**
   * A message as it came off the network, still in {@link MembershipCodec} bytes. Transports that
   * carry gossip as bytes hand it over in this form, requests and responses alike, so that {@link
   * Membership} decodes it and counts and reports what does not decode as it does any other refused
   * gossip. Encodes as exactly its bytes.
   */
  record Encoded(byte[] bytes) implements GossipMessage {
    public Encoded {
      Objects.requireNonNull(bytes, "bytes");
    }

    /** The bytes, not copied (a message is handed over once). */
    @Override
    public byte[] bytes() {
      return bytes;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Encoded e && Arrays.equals(bytes, e.bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
      return "Encoded[" + bytes.length + " bytes]";
    }
  }

  /** Shorthand so callers need not spell out the type. */
  static boolean isGossip(PeerMessage message) {
    return Objects.requireNonNull(message) instanceof GossipMessage;
  }
}
