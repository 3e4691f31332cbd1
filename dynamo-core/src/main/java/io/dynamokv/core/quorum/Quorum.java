/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.quorum;

import io.dynamokv.core.InsufficientReplicasException;
import io.dynamokv.core.InvalidRequestException;
import io.dynamokv.core.NodeId;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The bookkeeping of one quorum request (paper §4.5): which of the contacted replicas answered,
 * which failed, and whether the request has succeeded (at least {@code required} answers), failed
 * (too few replicas left to reach it) or is still pending. Responses in, decisions out: no I/O, no
 * time, not thread-safe (it lives on one node's scheduler).
 *
 * <p>The decision is taken once: later responses are still recorded (read repair wants the late
 * ones) but never change it.
 *
 * @param <R> the response type
 */
public final class Quorum<R> {
  /** Where a quorum request stands. */
  public enum Status {
    PENDING,
    SUCCEEDED,
    FAILED
  }

  private final List<NodeId> targets;
  private final int required;

  /** Each group must reach {@link #required} on its own (a moving partition); null: one group. */
  private final List<List<NodeId>> groups;

  private final SortedMap<NodeId, R> responses = new TreeMap<>();
  private final SortedMap<NodeId, Throwable> failures = new TreeMap<>();
  private Status status = Status.PENDING;

  /**
   * @param targets the replicas the request was sent to, distinct
   * @param required how many answers make success (R or W), 1 to {@code targets.size()}
   */
  public Quorum(List<NodeId> targets, int required) {
    this.targets = List.copyOf(targets);
    if (new LinkedHashSet<>(this.targets).size() != this.targets.size()) {
      throw new IllegalArgumentException("targets must be distinct: " + targets);
    }
    if (required < 1 || required > this.targets.size()) {
      throw new IllegalArgumentException(
          "required must be 1 to " + this.targets.size() + ", found " + required);
    }
    this.required = required;
    this.groups = null;
  }

  private Quorum(List<NodeId> targets, int required, List<List<NodeId>> groups) {
    this.targets = targets;
    this.required = required;
    this.groups = groups;
  }

  /**
   * A quorum over several groups of replicas that must each reach {@code required} answers: a write
   * to a moving partition, acknowledged only when W of its current owners and W of its owners after
   * the move hold it (Cassandra's "W + pending"). A target in two groups counts in both. A group
   * smaller than {@code required} needs all its targets (a layout with fewer nodes, as when a
   * cluster of one grows); the first group must not be smaller. The targets are the groups' union,
   * in order of first appearance.
   *
   * @throws IllegalArgumentException when a group is empty or holds a node twice, or the first
   *     group is smaller than {@code required}
   */
  public static <R> Quorum<R> ofGroups(List<List<NodeId>> groups, int required) {
    if (groups.isEmpty()) {
      throw new IllegalArgumentException("a quorum needs at least one group");
    }
    LinkedHashSet<NodeId> union = new LinkedHashSet<>();
    List<List<NodeId>> copies = new java.util.ArrayList<>(groups.size());
    for (List<NodeId> group : groups) {
      List<NodeId> copy = List.copyOf(group);
      if (new LinkedHashSet<>(copy).size() != copy.size()) {
        throw new IllegalArgumentException("a group's targets must be distinct: " + group);
      }
      if (copy.isEmpty() || required < 1 || (copies.isEmpty() && required > copy.size())) {
        throw new IllegalArgumentException(
            "required must be 1 to " + copy.size() + " for group " + group + ", found " + required);
      }
      union.addAll(copy);
      copies.add(copy);
    }
    if (copies.size() == 1) {
      return new Quorum<>(copies.get(0), required);
    }
    return new Quorum<>(List.copyOf(union), required, List.copyOf(copies));
  }

  /**
   * The quorum a request asks for: {@code override} (a client's R or W, 0 for none) or else the
   * store's {@code standard}.
   *
   * @param name {@code "R"} or {@code "W"}, for the error
   * @throws InvalidRequestException when {@code override} exceeds the store's N
   */
  public static int required(
      int override, int standard, int replicationFactor, String name, String store) {
    if (override == 0) {
      return standard;
    }
    if (override > replicationFactor) {
      throw new InvalidRequestException(
          name + "=" + override + " exceeds N=" + replicationFactor + " of store " + store);
    }
    return override;
  }

  /**
   * The error for a request of {@code operation} whose key has fewer owners in the ring than the
   * quorum needs. {@code otherNeeded} is the store's other quorum (W for a read, R for a write): if
   * it cannot be met either, the advice says so, since lowering one quorum alone would not help.
   */
  public static InsufficientReplicasException tooFewOwners(
      String operation, List<NodeId> owners, int needed, int otherNeeded) {
    boolean read = operation.equals("get");
    String other =
        otherNeeded <= owners.size()
            ? ""
            : " (and its "
                + (read ? "write-quorum, W=" : "read-quorum, R=")
                + otherNeeded
                + ", too)";
    return new InsufficientReplicasException(
        operation,
        0,
        needed,
        "only "
            + owners.size()
            + (owners.size() == 1 ? " node owns" : " nodes own")
            + " this key "
            + owners
            + ", fewer than "
            + (read ? "R=" : "W=")
            + needed
            + ": the cluster has fewer nodes than that; start more nodes, or lower the store's "
            + (read ? "read-quorum" : "write-quorum")
            + other);
  }

  /** The error for this request of {@code operation}, which did not reach its quorum. */
  public InsufficientReplicasException failure(String operation) {
    return new InsufficientReplicasException(operation, responses.size(), required, describe());
  }

  /**
   * Whether {@code target}'s answer or failure is recorded: its word, which later ones never
   * change.
   */
  public boolean heardFrom(NodeId target) {
    return responses.containsKey(target) || failures.containsKey(target);
  }

  /** Records {@code from}'s answer and returns the (possibly just decided) status. */
  public Status onResponse(NodeId from, R response) {
    checkTarget(from);
    if (!failures.containsKey(from)) {
      responses.putIfAbsent(from, Objects.requireNonNull(response, "response"));
    }
    return decide();
  }

  /** Records that {@code from} will not answer, and returns the (possibly just decided) status. */
  public Status onFailure(NodeId from, Throwable cause) {
    checkTarget(from);
    if (!responses.containsKey(from)) {
      failures.putIfAbsent(from, Objects.requireNonNull(cause, "cause"));
    }
    return decide();
  }

  private void checkTarget(NodeId from) {
    if (!targets.contains(from)) {
      throw new IllegalArgumentException(from + " was not contacted; targets are " + targets);
    }
  }

  private Status decide() {
    if (status == Status.PENDING) {
      if (groups == null) {
        if (responses.size() >= required) {
          status = Status.SUCCEEDED;
        } else if (targets.size() - failures.size() < required) {
          status = Status.FAILED;
        }
      } else {
        boolean all = true;
        for (List<NodeId> group : groups) {
          int answered = 0;
          int failed = 0;
          for (NodeId node : group) {
            answered += responses.containsKey(node) ? 1 : 0;
            failed += failures.containsKey(node) ? 1 : 0;
          }
          int needed = Math.min(required, group.size());
          if (group.size() - failed < needed) {
            status = Status.FAILED;
            return status;
          }
          all &= answered >= needed;
        }
        if (all) {
          status = Status.SUCCEEDED;
        }
      }
    }
    return status;
  }

  /** The groups that must each reach {@link #required}: one, the targets, unless moving. */
  public List<List<NodeId>> groups() {
    return groups == null ? List.of(targets) : groups;
  }

  public Status status() {
    return status;
  }

  public boolean isDecided() {
    return status != Status.PENDING;
  }

  /** True when every target answered or failed. */
  public boolean isComplete() {
    return responses.size() + failures.size() == targets.size();
  }

  public int required() {
    return required;
  }

  public List<NodeId> targets() {
    return targets;
  }

  /** The answers so far, by node (sorted). */
  public SortedMap<NodeId, R> responses() {
    return Collections.unmodifiableSortedMap(responses);
  }

  /** The failures so far, by node (sorted). */
  public SortedMap<NodeId, Throwable> failures() {
    return Collections.unmodifiableSortedMap(failures);
  }

  /**
   * Why the quorum was not reached, for error messages: e.g. {@code "2 of 3 replicas answered; n2
   * failed: n2 is unreachable: ...; n3 did not answer"}.
   */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    if (groups != null) {
      sb.append("a moving partition needs ").append(required).append(" answers from each of ");
      sb.append(groups).append("; ");
    }
    sb.append(responses.size()).append(" of ").append(targets.size()).append(" replicas answered");
    failures.forEach(
        (node, cause) -> sb.append("; ").append(node).append(": ").append(cause.getMessage()));
    for (NodeId node : targets) {
      if (!responses.containsKey(node) && !failures.containsKey(node)) {
        sb.append("; ").append(node).append(" did not answer in time");
      }
    }
    return sb.toString();
  }
}
