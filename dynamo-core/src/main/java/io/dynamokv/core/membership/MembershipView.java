/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.membership;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.wire.WireFormats;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A read-only snapshot of one node's membership knowledge: every known member with its effective
 * status and local reachability, and the current ring. Immutable.
 *
 * <p>Heartbeat versions in a snapshot may lag the live state by up to one gossip round; statuses,
 * reachability, removals and the ring are current as of the end of the last task that changed them.
 *
 * @param self the node that holds this view
 * @param members every known node
 * @param ring the current ring, or {@code null} while this node has none
 */
public record MembershipView(NodeId self, SortedMap<NodeId, Member> members, RingState ring) {
  public MembershipView {
    Objects.requireNonNull(self, "self");
    members = Collections.unmodifiableSortedMap(new TreeMap<>(members));
  }

  /**
   * One member as this node sees it.
   *
   * @param status the effective status ({@link NodeStatus#REMOVED} when a removal covers it)
   * @param reachable this node's failure detector's opinion
   * @param formats the newest version of each format family the member reads, as it gossips them
   *     (empty: {@link WireFormats#BASELINE})
   */
  public record Member(
      NodeId id,
      NodeStatus status,
      long generation,
      long version,
      String address,
      String zone,
      long ringVersion,
      boolean reachable,
      SortedMap<String, Integer> formats) {
    public Member {
      formats = Collections.unmodifiableSortedMap(new TreeMap<>(formats));
    }

    /** A member that reads the baseline formats. */
    public Member(
        NodeId id,
        NodeStatus status,
        long generation,
        long version,
        String address,
        String zone,
        long ringVersion,
        boolean reachable) {
      this(id, status, generation, version, address, zone, ringVersion, reachable, new TreeMap<>());
    }
  }

  /**
   * For each family {@code own} lists, the newest version that every other member still in the
   * cluster (not {@link NodeStatus#LEFT} or {@link NodeStatus#REMOVED}) reads too: what this node
   * may write ({@link WireFormats#agreed}).
   */
  public SortedMap<String, Integer> agreedFormats(Map<String, Integer> own) {
    List<SortedMap<String, Integer>> others = new ArrayList<>();
    for (Member m : members.values()) {
      if (!m.id().equals(self) && m.status().isActive()) {
        others.add(m.formats());
      }
    }
    return WireFormats.agreed(own, others);
  }

  /** The version of the current ring, 0 when there is none. */
  public long ringVersion() {
    return ring == null ? 0 : ring.version();
  }

  /** A copy of the current ring bytes, or {@code null}. */
  public byte[] ringBytes() {
    return ring == null ? null : ring.ring();
  }

  /** The effective status of {@code node}, or {@code null} when unknown. */
  public NodeStatus status(NodeId node) {
    Member m = members.get(node);
    return m == null ? null : m.status();
  }

  /** The members with status {@code status}. */
  public SortedSet<NodeId> withStatus(NodeStatus status) {
    TreeSet<NodeId> out = new TreeSet<>();
    members
        .values()
        .forEach(
            m -> {
              if (m.status() == status) {
                out.add(m.id());
              }
            });
    return out;
  }
}
