/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.membership;

import io.dynamokv.core.NodeId;
import java.util.Locale;
import java.util.Objects;

/**
 * A gossip message, or a piece of persisted membership state, that a node refused: it was not
 * applied, not stored and not passed on (SPEC §10: every gossip field is validated before it
 * touches state). {@link Membership} counts refusals by {@link Reason} ({@link
 * Membership.Stats#refused()}) and reports them to its {@link Membership.RefusalListener}s,
 * rate-limited per sender and reason.
 *
 * @param source where the refused input came from
 * @param from the peer that sent it; this node itself for {@link Source#DISK} and {@link
 *     Source#PLANNER}
 * @param reason what kind of check failed
 * @param detail what was expected and what was found
 */
public record GossipRefusal(Source source, NodeId from, Reason reason, String detail) {
  public GossipRefusal {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(detail, "detail");
  }

  /** Where refused input came from. */
  public enum Source {
    /** A gossip message from a peer (request or response). */
    GOSSIP,
    /** This node's own persisted membership state, read at start: ignored, recovered from peers. */
    DISK,
    /**
     * A ring this node's claimant planned itself and did not adopt, because it fails the checks
     * every peer would apply (a planner that broke its own guarantees).
     */
    PLANNER
  }

  /** The kinds of refusal, one counter each. */
  public enum Reason {
    /**
     * The bytes are not a message in a format this node reads, or the message is not one this node
     * accepts there (a response sent as a request).
     */
    MALFORMED,
    /** More members, removals, requests or ring bytes than this node accepts. */
    TOO_LARGE,
    /**
     * A field out of its range: a negative or overflowing generation, version or epoch (one whose
     * next increments could overflow), or an ill-formed address or zone.
     */
    OUT_OF_RANGE,
    /**
     * A generation, heartbeat version, ring version or ring epoch more than the configured jump
     * beyond the last one this node accepted for that member or ring.
     */
    TOO_FAR_AHEAD,
    /**
     * A change a member cannot make: a status transition outside the life cycle, an address or zone
     * changed within a generation, two states of one member in one message, or a removal beyond
     * this node's own generation.
     */
    ILLEGAL_CHANGE,
    /**
     * A ring that does not decode, does not match the cluster's partitioning (strategy, Q or T),
     * repeats an owner in a window of N where the planner guarantees distinct ones, or is owned by
     * a node that is not a member.
     */
    INVALID_RING;

    /** The lower-case name, for metric tags and logs. */
    public String tag() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  @Override
  public String toString() {
    return (switch (source) {
          case DISK -> "persisted state";
          case PLANNER -> "own plan";
          case GOSSIP -> "gossip from " + from;
        })
        + " refused ("
        + reason.tag()
        + "): "
        + detail;
  }
}
