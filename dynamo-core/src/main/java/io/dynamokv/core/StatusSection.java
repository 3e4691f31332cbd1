/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One part of a node's status, contributed by the protocol or room it describes (coordination,
 * gossip, formats; later hints, anti-entropy, transfer): named figures that {@code dynamo status}
 * prints and {@code /metrics} exports as {@code dynamo_<section>_<stat>}, so that a new feature
 * shows up in both without touching the wire protocol or the metrics code.
 *
 * <p>A node reports the same sections for its whole life. A section may add figures (names and
 * tags) over the node's life, such as handoff's per-owner figures when the node first holds hints
 * for an owner, but never removes one: metrics register each figure when they first see it and keep
 * exporting it (a figure that no longer applies stays, at 0).
 *
 * @param name lower-case words separated by dots, e.g. {@code coordinator}
 */
public record StatusSection(String name, List<Stat> stats) {
  public StatusSection {
    Objects.requireNonNull(name, "name");
    stats = List.copyOf(stats);
  }

  /** Whether a figure only ever grows (a count of events) or goes up and down. */
  public enum Kind {
    COUNTER,
    GAUGE
  }

  /**
   * One figure.
   *
   * @param name lower-case words separated by dots, e.g. {@code quorum.failures}
   * @param tags what tells figures of one name apart, e.g. {@code reason=malformed}
   * @param help one line on what it counts
   */
  public record Stat(
      String name, Kind kind, SortedMap<String, String> tags, long value, String help) {
    public Stat {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(kind, "kind");
      tags = Collections.unmodifiableSortedMap(new TreeMap<>(tags));
      Objects.requireNonNull(help, "help");
    }

    /** A counter without tags. */
    public static Stat counter(String name, long value, String help) {
      return new Stat(name, Kind.COUNTER, new TreeMap<>(), value, help);
    }

    /** A counter with one tag. */
    public static Stat counter(String name, String tag, String tagValue, long value, String help) {
      return new Stat(name, Kind.COUNTER, new TreeMap<>(Map.of(tag, tagValue)), value, help);
    }

    /** A gauge without tags. */
    public static Stat gauge(String name, long value, String help) {
      return new Stat(name, Kind.GAUGE, new TreeMap<>(), value, help);
    }

    /** A gauge with one tag. */
    public static Stat gauge(String name, String tag, String tagValue, long value, String help) {
      return new Stat(name, Kind.GAUGE, new TreeMap<>(Map.of(tag, tagValue)), value, help);
    }

    /** Whether this is the figure {@code name} with {@code tags}. */
    public boolean is(String name, SortedMap<String, String> tags) {
      return this.name.equals(name) && this.tags.equals(tags);
    }
  }
}
