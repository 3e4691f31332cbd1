/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import io.dynamokv.core.StatusSection;
import io.dynamokv.core.StatusSection.Stat;
import io.dynamokv.core.coordination.CoordinationCodec;
import io.dynamokv.core.membership.MembershipCodec;
import io.dynamokv.core.merkle.AntiEntropyCodec;
import io.dynamokv.core.ring.RingCodec;
import io.dynamokv.core.transfer.TransferCodec;
import io.dynamokv.core.version.VersionCodec;
import io.dynamokv.core.wire.Failure;
import io.dynamokv.core.wire.WireFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The formats a node of this release reads, as their codecs declare them, and how they show in the
 * node's status. What the node gossips is {@link io.dynamokv.core.wire.WireFormats#CURRENT}, which
 * must name the same newest versions (checked by the tests).
 */
final class NodeFormats {
  /** Every format family a node exchanges with others, from its codec. */
  static final List<WireFormat> READ =
      List.of(
          Failure.WIRE_FORMAT,
          MembershipCodec.WIRE_FORMAT,
          CoordinationCodec.WIRE_FORMAT,
          AntiEntropyCodec.WIRE_FORMAT,
          TransferCodec.WIRE_FORMAT,
          VersionCodec.WIRE_FORMAT,
          new WireFormat("ring", RingCodec.FORMAT_WITHOUT_EPOCH, RingCodec.FORMAT_WITH_PENDING));

  private NodeFormats() {}

  /**
   * The {@code formats} status section: per family, the newest version this node reads and the
   * newest every member reads (0 when some member reads none).
   */
  static StatusSection section(Map<String, Integer> reads, Map<String, Integer> agreed) {
    List<Stat> stats = new ArrayList<>();
    reads.forEach(
        (family, newest) -> {
          stats.add(
              Stat.gauge(
                  "reads", "family", family, newest, "Newest version of a format this node reads"));
          stats.add(
              Stat.gauge(
                  "agreed",
                  "family",
                  family,
                  agreed.getOrDefault(family, 0),
                  "Newest version of a format every member reads: the most this node writes"));
        });
    return new StatusSection("formats", stats);
  }
}
