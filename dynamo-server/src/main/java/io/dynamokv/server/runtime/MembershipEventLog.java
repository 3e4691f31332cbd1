/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.runtime;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.membership.Membership;
import io.dynamokv.core.membership.Reachability;
import io.dynamokv.core.membership.RingState;
import io.dynamokv.core.ring.Ring;
import io.dynamokv.core.ring.RingCodec;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs a node's membership lifecycle, one line per event: a peer becoming reachable or suspected by
 * the failure detector, and every ring this node adopts with its own share of it. dynamo-core has
 * no logging; its listeners run on the node's scheduler, one at a time.
 */
final class MembershipEventLog implements Reachability.Listener, Membership.RingListener {
  private static final Logger log = LoggerFactory.getLogger(MembershipEventLog.class);

  private final NodeId self;
  private double share = Double.NaN;

  private MembershipEventLog(NodeId self) {
    this.self = self;
  }

  /** Starts logging {@code membership}'s events. */
  static void attach(Membership membership) {
    MembershipEventLog events = new MembershipEventLog(membership.self());
    membership.reachability().addListener(events);
    membership.addRingListener(events);
  }

  @Override
  public void onReachable(NodeId node) {
    if (!node.equals(self)) {
      log.info("peer {} is reachable", node);
    }
  }

  @Override
  public void onUnreachable(NodeId node) {
    log.warn("peer {} is unreachable: the failure detector suspects it", node);
  }

  @Override
  public void onRingChange(RingState state) {
    Ring ring = RingCodec.decode(state.ring());
    double now = ring.contains(self) ? ring.ownershipShare(self) : 0.0;
    log.info(
        "ring v{} (by {}): {} partitions over {} nodes {}; {} owns {}{}",
        state.version(),
        state.author(),
        ring.partitionCount(),
        ring.nodeCount(),
        ring.nodes(),
        self,
        percent(now),
        Double.isNaN(share) ? "" : " (was " + percent(share) + ")");
    share = now;
  }

  private static String percent(double share) {
    return String.format(Locale.ROOT, "%.1f%%", share * 100);
  }
}
