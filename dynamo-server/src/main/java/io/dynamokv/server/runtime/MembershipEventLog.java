/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.runtime;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.membership.GossipRefusal;
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
 * the failure detector, every ring this node adopts with its own share of it, and refused gossip
 * and ignored persisted state (core reports a gossip refusal at most once per sender and reason per
 * {@code refusalReportInterval}, with the count of those it held back). dynamo-core has no logging;
 * its listeners run on the node's scheduler, one at a time.
 */
final class MembershipEventLog
    implements Reachability.Listener, Membership.RingListener, Membership.RefusalListener {
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
    membership.addRefusalListener(events);
  }

  @Override
  public void onRefused(GossipRefusal refusal, long suppressed) {
    if (suppressed == 0) {
      log.warn("{}", refusal);
    } else {
      log.warn(
          "{} ({} more from {} for the same reason since the last report)",
          refusal,
          suppressed,
          refusal.from());
    }
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
        "ring v{}{} (by {}): {} partitions over {} nodes {}; {} owns {}{}",
        state.version(),
        state.epoch() == 0 ? "" : " of epoch " + state.epoch(),
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
