/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.membership;

import io.dynamokv.core.NodeId;
import java.util.SortedSet;

/**
 * This node's local opinion of which peers it can reach. Routing uses it to skip unreachable
 * replicas and hinted handoff to decide when to hold and when to deliver hints (paper §4.6, SPEC
 * §7). Different nodes MAY disagree, and the opinion need not be symmetric.
 *
 * <p>It combines two sources of evidence:
 *
 * <ol>
 *   <li>the {@link PhiAccrualFailureDetector}, fed by every newer state of the peer this node
 *       learns, directly or relayed by a third node through gossip; and
 *   <li>this node's own calls to the peer, reported with {@link #callSucceeded} and {@link
 *       #callFailed}. A failed call starts a streak; while it lasts the peer is probed directly (a
 *       gossip exchange with it) at most once per {@link MembershipConfig#gossipInterval}, while
 *       the failure detector considers it alive (a dead peer is unreachable anyway). Once the
 *       streak holds at least {@link MembershipConfig#callFailuresToSuspect} failed calls and spans
 *       at least {@link MembershipConfig#callFailureWindow}, the peer is <em>suspected from
 *       calls</em>; probes go on, the delay doubling after each up to {@link
 *       MembershipConfig#callProbeMaxInterval} (restarting at one interval when the failure
 *       detector sees the peer come back or restart). Only a <em>direct</em> success ends a streak
 *       and lifts the suspicion: a reply to a probe or to any other call of this node. Relayed
 *       gossip never does (it still feeds the failure detector), so a one-way or partial partition,
 *       where the peer's heartbeats reach this node through others while this node's calls to it
 *       fail, makes the peer unreachable.
 * </ol>
 *
 * A peer is reachable when the failure detector considers it alive <b>and</b> it is not suspected
 * from calls. The node itself is always reachable. A peer is unreachable until its first state
 * arrives.
 *
 * <p>Queries MAY be called from any thread and see a consistent snapshot. {@link #callSucceeded}
 * and {@link #callFailed} MUST be called on the node's scheduler, like every update of this state.
 * Listeners run on the scheduler, in transition order, exactly once per transition of the combined
 * opinion.
 */
public interface Reachability {
  /** Whether {@code node} is currently considered reachable (see the class comment). */
  boolean isReachable(NodeId node);

  /** Every node currently considered reachable, including this node: an immutable snapshot. */
  SortedSet<NodeId> reachableNodes();

  /** Registers a listener for up/down transitions. */
  void addListener(Listener listener);

  /**
   * Reports that {@code peer} answered a call of this node, whatever the answer: a reply, or an
   * error reply such as a refusal or an application-level failure (the peer answered). Resets its
   * count of consecutive failed calls and lifts a suspicion from calls. MUST be called on the
   * node's scheduler. Calls about this node or a node this node does not know are ignored.
   */
  void callSucceeded(NodeId peer);

  /**
   * Reports that a call of this node to {@code peer} got no answer: it timed out ({@link
   * io.dynamokv.core.spi.PeerException.Timeout}) or could not be delivered ({@link
   * io.dynamokv.core.spi.PeerException.Unreachable}, e.g. connection refused). Counts towards
   * suspecting the peer from calls. MUST be called on the node's scheduler. Calls about this node
   * or a node this node does not know are ignored.
   */
  void callFailed(NodeId peer);

  /** Notified of reachability transitions, exactly once per transition. */
  interface Listener {
    /**
     * {@code node} became reachable: its first state arrived, or the failure detector and this
     * node's calls both consider it alive again (recovery or restart).
     */
    void onReachable(NodeId node);

    /** The failure detector suspects {@code node}, or this node's calls to it keep failing. */
    void onUnreachable(NodeId node);
  }
}
