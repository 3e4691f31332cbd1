/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.handoff;

import io.dynamokv.core.NodeId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The choice of stand-ins for a sloppy quorum (paper §4.6): when an owner of a key (one of the
 * first N nodes of its extended preference list) cannot be used, its copy goes to the next usable
 * node of the list that the request does not use yet, one distinct stand-in per missing owner.
 * Because the extended list already spreads over zones (see {@link
 * io.dynamokv.core.ring.Ring#extendedPreferenceList}), so do the stand-ins. Pure functions;
 * Voldemort's {@code HintedHandoffStrategy} has the same shape.
 */
public final class StandIns {
  private StandIns() {}

  /**
   * One place of a request's replica set: the owner it stands for and the node that serves it (the
   * owner itself, or its stand-in); {@code replica} is empty when no node is left to stand in.
   */
  public record Slot(NodeId owner, Optional<NodeId> replica) {
    public Slot {
      Objects.requireNonNull(owner, "owner");
      Objects.requireNonNull(replica, "replica");
    }

    /** Whether a stand-in serves this slot instead of its owner. */
    public boolean standIn() {
      return replica.isPresent() && !replica.get().equals(owner);
    }
  }

  /**
   * The replica set of a request: one slot per owner (the first {@code n} nodes of {@code
   * extended}), served by the owner when {@code usable}, otherwise by the next usable node beyond
   * the owners that no earlier slot took.
   *
   * @param extended the key's extended preference list: every node, distinct, owners first
   */
  public static List<Slot> replicas(List<NodeId> extended, int n, Predicate<NodeId> usable) {
    int owners = Math.min(n, extended.size());
    List<NodeId> taken = new ArrayList<>(extended.subList(0, owners));
    List<Slot> slots = new ArrayList<>(owners);
    for (int i = 0; i < owners; i++) {
      NodeId owner = extended.get(i);
      if (usable.test(owner)) {
        slots.add(new Slot(owner, Optional.of(owner)));
      } else {
        Optional<NodeId> standIn = next(extended, owners, taken, usable);
        standIn.ifPresent(taken::add);
        slots.add(new Slot(owner, standIn));
      }
    }
    return slots;
  }

  /**
   * The next stand-in: the first node of {@code extended} beyond its first {@code n} that is not in
   * {@code taken} and is {@code usable}.
   */
  public static Optional<NodeId> next(
      List<NodeId> extended, int n, Collection<NodeId> taken, Predicate<NodeId> usable) {
    for (int i = Math.min(n, extended.size()); i < extended.size(); i++) {
      NodeId candidate = extended.get(i);
      if (!taken.contains(candidate) && usable.test(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }
}
