/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.membership;

import static io.dynamokv.core.membership.MembershipConfig.COUNTER_LIMIT;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.membership.GossipRefusal.Reason;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Decides whether a decoded gossip message may touch this node's membership, before any of it is
 * applied: {@link Membership} applies a message only when {@link #check} passes, and refuses it
 * whole otherwise. The same checks, minus those that compare with earlier state, vet the state a
 * node persisted before it uses it at start.
 *
 * <p>What a message must satisfy (a violation throws {@link GossipRefusedException} with the {@link
 * GossipRefusal.Reason}):
 *
 * <ul>
 *   <li>sizes: at most {@link MembershipConfig#maxMembers} states, digests, removals or requests,
 *       and the members it would add to the ones this node knows stay within that bound too; a ring
 *       of at most {@link #MAX_RING_BYTES};
 *   <li>ranges: every generation, version, ring epoch and ring version in {@code [0,} {@link
 *       MembershipConfig#COUNTER_LIMIT}{@code )}, so no arithmetic on them can overflow; addresses
 *       and zones well-formed ({@link #checkAddress}, {@link #checkZone});
 *   <li>jumps: a member's generation, or a ring epoch, at most {@link
 *       MembershipConfig#maxGenerationJump} beyond the last one this node accepted for that member
 *       or its ring, and a heartbeat version (same generation) or ring version (same epoch) at most
 *       {@link MembershipConfig#maxVersionJump} beyond; the same bound applies to states of this
 *       node itself, the only thing of which others' gossip may change (its generation, raised);
 *   <li>transitions: within a generation a member's status moves only forward along its life cycle
 *       ({@link #legal}), its address, zone and formats do not change, and one stamp names one
 *       state; a removal of this node never covers a generation beyond its own, and one of another
 *       node at most the generation jump beyond the last generation seen of it;
 *   <li>the ring: {@link RingPolicy#validate} accepts it (it decodes, matches the cluster's
 *       partitioning and the planner's placement guarantees, and its epoch and version match the
 *       ones it travels with), and every owner is a member this node knows or learns in the same
 *       message.
 * </ul>
 *
 * Stateless apart from its settings; called on the node's scheduler.
 */
final class GossipValidator {
  /**
   * The largest ring accepted, as a first cheap bound (a strategy-3 ring of the largest Q takes 2
   * MiB; the planner's own check bounds rings by the cluster's Q or T exactly).
   */
  static final int MAX_RING_BYTES = 16 * 1024 * 1024;

  private final MembershipConfig config;
  private final RingPolicy planner;

  GossipValidator(MembershipConfig config, RingPolicy planner) {
    this.config = config;
    this.planner = planner;
  }

  /**
   * Checks {@code message} against this node's current knowledge.
   *
   * @param states every member this node knows, itself included
   * @param ring this node's current ring, or {@code null}
   * @throws GossipRefusedException when the message must be refused
   */
  void check(GossipMessage message, SortedMap<NodeId, NodeState> states, RingState ring) {
    if (message instanceof GossipMessage.Syn syn) {
      count("digests", syn.digests().size());
      syn.digests().forEach((id, stamp) -> checkStamp("digest of " + id, stamp));
      checkCounter("ring epoch of the digest", syn.ringEpoch());
      checkCounter("ring version of the digest", syn.ringVersion());
      checkRemovals(syn.removals(), states, Map.of());
    } else if (message instanceof GossipMessage.Ack ack) {
      Map<NodeId, NodeState> incoming = checkStates(ack.states(), states);
      checkRing(ack.ring(), states, incoming, ring);
      checkRemovals(ack.removals(), states, incoming);
      count("requests", ack.requests().size());
    } else if (message instanceof GossipMessage.Ack2 ack2) {
      Map<NodeId, NodeState> incoming = checkStates(ack2.states(), states);
      checkRing(ack2.ring(), states, incoming, ring);
    } else if (!(message instanceof GossipMessage.Ack2Reply)) {
      throw refuse(Reason.MALFORMED, "unexpected message " + message);
    }
  }

  /** Checks a persisted state of a member (ranges and format only). */
  void checkPersisted(NodeState state) {
    checkFields(state);
  }

  /** Checks a persisted removal (ranges only). */
  void checkPersisted(Removal removal) {
    checkCounter("generation of the removal of " + removal.node(), removal.generation());
  }

  /**
   * Checks a persisted ring, whose owners must all be in {@code members}.
   *
   * @return its owners
   */
  Set<NodeId> checkPersisted(RingState ring, Collection<NodeId> members) {
    checkCounter("ring epoch", ring.epoch());
    checkCounter("ring version", ring.version());
    return checkRingContent(ring, new TreeSet<>(members));
  }

  /**
   * Checks a ring this node planned itself before it adopts it: a planner that broke its own
   * guarantees must not spread a ring every peer would refuse.
   */
  void checkOwnPlan(RingState ring, Collection<NodeId> members) {
    checkPersisted(ring, members);
  }

  // ---- states ----

  private Map<NodeId, NodeState> checkStates(
      List<NodeState> incoming, SortedMap<NodeId, NodeState> states) {
    count("states", incoming.size());
    TreeMap<NodeId, NodeState> byId = new TreeMap<>();
    int added = 0;
    for (NodeState s : incoming) {
      if (byId.put(s.id(), s) != null) {
        throw refuse(Reason.ILLEGAL_CHANGE, "two states of " + s.id() + " in one message");
      }
      if (!states.containsKey(s.id())) {
        added++;
      }
      checkFields(s);
      checkAgainst(s, states.get(s.id()), s.id().equals(config.self()));
    }
    if ((long) states.size() + added > config.maxMembers()) {
      throw refuse(
          Reason.TOO_LARGE,
          added
              + " new members would make "
              + (states.size() + added)
              + ", more than maxMembers="
              + config.maxMembers());
    }
    return byId;
  }

  private void checkFields(NodeState s) {
    checkStamp("state of " + s.id(), s.stamp());
    checkCounter("ring version in the state of " + s.id(), s.ringVersion());
    try {
      checkAddress("address of " + s.id(), s.address());
      checkZone("zone of " + s.id(), s.zone());
    } catch (IllegalArgumentException e) {
      throw refuse(Reason.OUT_OF_RANGE, e.getMessage());
    }
  }

  /** Compares a state with the last one accepted of the same member ({@code null}: none). */
  private void checkAgainst(NodeState s, NodeState known, boolean self) {
    if (known == null) {
      return;
    }
    String who = self ? "this node (" + s.id() + ")" : s.id().toString();
    if (s.generation() > known.generation()) {
      // This node raises its own generation one past a newer state of itself: keep the result
      // within the bound its peers apply to it.
      long bound = self ? config.maxGenerationJump() - 1 : config.maxGenerationJump();
      if (s.generation() - known.generation() > bound) {
        throw refuse(
            Reason.TOO_FAR_AHEAD,
            "generation "
                + s.generation()
                + " of "
                + who
                + " is more than "
                + bound
                + " (maxGenerationJump="
                + config.maxGenerationJump()
                + ") beyond "
                + known.generation());
      }
      return;
    }
    if (s.generation() < known.generation() || s.version() < known.version()) {
      return; // older: merging ignores it
    }
    if (s.version() == known.version()) {
      if (!self && !s.equals(known)) {
        throw refuse(
            Reason.ILLEGAL_CHANGE, "two different states of " + who + " at stamp " + s.stamp());
      }
      return;
    }
    if (s.version() - known.version() > config.maxVersionJump()) {
      throw refuse(
          Reason.TOO_FAR_AHEAD,
          "heartbeat version "
              + s.version()
              + " of "
              + who
              + " is more than maxVersionJump="
              + config.maxVersionJump()
              + " beyond "
              + known.version()
              + " in generation "
              + s.generation());
    }
    if (self) {
      return; // never applied: a newer stamp only makes this node raise its generation
    }
    if (!legal(known.status(), s.status())) {
      throw refuse(
          Reason.ILLEGAL_CHANGE,
          s.id()
              + " cannot go from "
              + known.status()
              + " to "
              + s.status()
              + " within generation "
              + s.generation());
    }
    if (!s.address().equals(known.address()) || !s.zone().equals(known.zone())) {
      throw refuse(
          Reason.ILLEGAL_CHANGE,
          s.id() + " changed its address or zone within generation " + s.generation());
    }
    if (!s.formats().equals(known.formats())) {
      throw refuse(
          Reason.ILLEGAL_CHANGE,
          s.id() + " changed the formats it reads within generation " + s.generation());
    }
  }

  /**
   * Whether a member's own status may go from {@code from} to {@code to} within one generation,
   * possibly through statuses this node never saw: JOINING and NORMAL alternate (a node drops back
   * to JOINING when a ring without it wins) and may go anywhere; STANDBY to JOINING (and on,
   * unseen) or REMOVED; LEAVING only to LEFT or REMOVED; LEFT only to REMOVED; REMOVED nowhere
   * (rejoining starts a new generation).
   */
  static boolean legal(NodeStatus from, NodeStatus to) {
    if (from == to) {
      return true;
    }
    return switch (from) {
      case JOINING, NORMAL -> true;
      case STANDBY ->
          to == NodeStatus.JOINING || to == NodeStatus.NORMAL || to == NodeStatus.REMOVED;
      case LEAVING -> to == NodeStatus.LEFT || to == NodeStatus.REMOVED;
      case LEFT -> to == NodeStatus.REMOVED;
      case REMOVED -> false;
    };
  }

  // ---- removals ----

  private void checkRemovals(
      SortedMap<NodeId, Removal> removals,
      SortedMap<NodeId, NodeState> states,
      Map<NodeId, NodeState> incoming) {
    count("removals", removals.size());
    for (Removal r : removals.values()) {
      checkCounter("generation of the removal of " + r.node(), r.generation());
      NodeState known = states.get(r.node());
      NodeState fresh = incoming.get(r.node());
      long seen =
          Math.max(
              known == null ? -1 : known.generation(), fresh == null ? -1 : fresh.generation());
      if (r.node().equals(config.self())) {
        // This node knows its own generation; one a peer holds is raised past (mergeState).
        long own = known == null ? 0 : known.generation();
        if (fresh != null && (known == null || fresh.stamp().isNewerThan(known.stamp()))) {
          own = Math.max(own, fresh.generation() + 1);
        }
        if (r.generation() > own) {
          throw refuse(
              Reason.ILLEGAL_CHANGE,
              "a removal of this node ("
                  + r.node()
                  + ") covering generation "
                  + r.generation()
                  + ", beyond its own generation "
                  + own);
        }
      } else if (seen >= 0 && r.generation() - seen > config.maxGenerationJump()) {
        throw refuse(
            Reason.TOO_FAR_AHEAD,
            "the removal of "
                + r.node()
                + " covers generation "
                + r.generation()
                + ", more than maxGenerationJump="
                + config.maxGenerationJump()
                + " beyond "
                + seen);
      }
    }
  }

  // ---- the ring ----

  private void checkRing(
      RingState r,
      SortedMap<NodeId, NodeState> states,
      Map<NodeId, NodeState> incoming,
      RingState current) {
    if (r == null) {
      return;
    }
    checkCounter("ring epoch", r.epoch());
    checkCounter("ring version", r.version());
    if (r.size() > MAX_RING_BYTES) {
      throw refuse(
          Reason.TOO_LARGE, "a ring of " + r.size() + " bytes, more than " + MAX_RING_BYTES);
    }
    if (r.equals(current)) {
      return;
    }
    if (current != null) {
      if (r.epoch() > current.epoch()) {
        if (r.epoch() - current.epoch() > config.maxGenerationJump()
            || r.version() > config.maxVersionJump()) {
          throw refuse(
              Reason.TOO_FAR_AHEAD,
              "ring epoch "
                  + r.epoch()
                  + " version "
                  + r.version()
                  + " is too far beyond epoch "
                  + current.epoch()
                  + " version "
                  + current.version());
        }
      } else if (r.epoch() == current.epoch()
          && r.version() > current.version()
          && r.version() - current.version() > config.maxVersionJump()) {
        throw refuse(
            Reason.TOO_FAR_AHEAD,
            "ring version "
                + r.version()
                + " is more than maxVersionJump="
                + config.maxVersionJump()
                + " beyond "
                + current.version());
      }
    }
    TreeSet<NodeId> members = new TreeSet<>(states.keySet());
    members.addAll(incoming.keySet());
    checkRingContent(r, members);
  }

  private Set<NodeId> checkRingContent(RingState r, TreeSet<NodeId> members) {
    if (r.size() > MAX_RING_BYTES) {
      throw refuse(
          Reason.TOO_LARGE, "a ring of " + r.size() + " bytes, more than " + MAX_RING_BYTES);
    }
    Set<NodeId> owners;
    try {
      owners = planner.validate(r.ringUnsafe(), r.epoch(), r.version());
    } catch (RuntimeException e) {
      throw refuse(Reason.INVALID_RING, "ring " + describe(r) + ": " + e.getMessage());
    }
    for (NodeId owner : new TreeSet<>(owners)) {
      if (!members.contains(owner)) {
        throw refuse(
            Reason.INVALID_RING,
            "ring " + describe(r) + " is owned in part by " + owner + ", not a known member");
      }
    }
    return owners;
  }

  private static String describe(RingState r) {
    return "e" + r.epoch() + " v" + r.version() + " by " + r.author();
  }

  // ---- fields ----

  private void count(String what, int n) {
    if (n > config.maxMembers()) {
      throw refuse(
          Reason.TOO_LARGE, n + " " + what + ", more than maxMembers=" + config.maxMembers());
    }
  }

  private static void checkStamp(String what, VersionStamp stamp) {
    checkCounter("generation in the " + what, stamp.generation());
    checkCounter("version in the " + what, stamp.version());
  }

  private static void checkCounter(String what, long value) {
    if (value < 0 || value >= COUNTER_LIMIT) {
      throw refuse(
          Reason.OUT_OF_RANGE,
          what + " is " + value + ", outside [0, 2^62): its next increments could overflow");
    }
  }

  /**
   * An address is opaque to membership ({@code host:port} for the Thrift transport) but bounded:
   * empty, or at most {@value MembershipCodec#MAX_STRING_BYTES} visible ASCII characters (no spaces
   * or control characters, which could forge log lines).
   *
   * @throws IllegalArgumentException naming {@code what} when it is not
   */
  static void checkAddress(String what, String address) {
    if (address.length() > MembershipCodec.MAX_STRING_BYTES) {
      throw new IllegalArgumentException(
          what + " has " + address.length() + " characters, more than 255");
    }
    for (int i = 0; i < address.length(); i++) {
      char c = address.charAt(i);
      if (c <= ' ' || c > '~') {
        throw new IllegalArgumentException(
            what
                + " must be visible ASCII (no spaces or control characters), found code "
                + (int) c
                + " at "
                + i);
      }
    }
  }

  /**
   * A zone is empty or at most {@value MembershipCodec#MAX_STRING_BYTES} bytes of UTF-8 without
   * control characters.
   *
   * @throws IllegalArgumentException naming {@code what} when it is not
   */
  static void checkZone(String what, String zone) {
    if (zone.getBytes(StandardCharsets.UTF_8).length > MembershipCodec.MAX_STRING_BYTES) {
      throw new IllegalArgumentException(what + " is longer than 255 bytes of UTF-8");
    }
    for (int i = 0; i < zone.length(); i++) {
      if (Character.isISOControl(zone.charAt(i))) {
        throw new IllegalArgumentException(
            what + " contains control character " + (int) zone.charAt(i) + " at " + i);
      }
    }
  }

  private static GossipRefusedException refuse(Reason reason, String detail) {
    return new GossipRefusedException(reason, detail);
  }
}
