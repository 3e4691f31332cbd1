/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.version;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.NodeId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SiblingsTest {
  private static final NodeId A = NodeId.of("a");
  private static final NodeId B = NodeId.of("b");

  private final TestEpochs epochsA = new TestEpochs();
  private final TestEpochs epochsB = new TestEpochs();

  private static Versioned v(String s) {
    return Versioned.of(s.getBytes(UTF_8), 1000);
  }

  private static List<String> live(Siblings s) {
    return s.liveValues().stream().map(x -> new String(x.value(), UTF_8)).toList();
  }

  private Siblings put(Siblings local, NodeId node, TestEpochs epochs, VectorClock ctx, String s) {
    return local.update(ctx, v(s), local.actorFor(node, ctx, epochs));
  }

  @Test
  void pruningForgetsDotsSeenBeyondTheVectorOfActorsItForgot() {
    Actor a = Actor.of("a", 1);
    Actor gone = Actor.of("gone", 2);
    Actor alive = Actor.of("alive", 2);
    Siblings set =
        Siblings.of(
            VectorClock.of(java.util.Map.of(a, 1L)),
            new long[] {5},
            List.of(new Dot(alive, 4), new Dot(gone, 7)),
            List.of(new Sibling(new Dot(a, 1), Versioned.of(new byte[] {1}, 5))),
            new java.util.TreeMap<>(java.util.Map.of(NodeId.of("gone"), 2L)));
    assertThat(set.hasDotsBeyond()).isTrue();
    Siblings pruned = set.pruned(10);
    assertThat(pruned.hasSeen(new Dot(gone, 7))).as("gone@2 was pruned here before").isFalse();
    assertThat(pruned.hasSeen(new Dot(alive, 4))).as("alive@2 may still fold in").isTrue();
    assertThat(pruned.withoutDotsBeyond().hasDotsBeyond()).isFalse();
    assertThat(pruned.withoutDotsBeyond().siblings()).isEqualTo(set.siblings());
    assertThat(VersionCodec.encode(pruned.withoutDotsBeyond())[0]).isEqualTo((byte) 2);
  }

  @Test
  void twoWritesWithTheSameContextThroughOneCoordinatorBothSurvive() {
    Siblings local = put(Siblings.empty(), A, epochsA, VectorClock.empty(), "v0");
    VectorClock ctx = local.context();

    local = put(local, A, epochsA, ctx, "x");
    local = put(local, A, epochsA, ctx, "y");

    assertThat(live(local)).containsExactlyInAnyOrder("x", "y");
    Siblings reconciled = put(local, A, epochsA, local.context(), "xy");
    assertThat(live(reconciled)).containsExactly("xy");
    assertThat(reconciled.context().compare(local.context())).isEqualTo(Occurred.AFTER);
  }

  @Test
  void blindWritesBecomeSiblings() {
    Siblings local = put(Siblings.empty(), A, epochsA, VectorClock.empty(), "x");
    local = put(local, A, epochsA, VectorClock.empty(), "y");
    assertThat(live(local)).containsExactly("x", "y");
  }

  @Test
  void sevenConcurrentClientsDoNotExplode() {
    // Riak 1.x's scenario: each client keeps re-reading and writing with its fresh context through
    // one coordinator. Per-server vector clocks end with 21 siblings; DVV keeps one per client.
    int clients = 7;
    Siblings local = Siblings.empty();
    VectorClock[] ctx = new VectorClock[clients];
    java.util.Arrays.fill(ctx, VectorClock.empty());
    for (int round = 0; round < 3; round++) {
      for (int c = 0; c < clients; c++) {
        local = put(local, A, epochsA, ctx[c], "c" + c + "r" + round);
        ctx[c] = local.context();
        assertThat(local.siblingCount()).isLessThanOrEqualTo(clients);
      }
    }
    List<String> expected = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      expected.add("c" + c + "r2");
    }
    assertThat(live(local)).containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  void aTombstoneSupersedesWhatItsContextSaw() {
    Siblings local = put(Siblings.empty(), A, epochsA, VectorClock.empty(), "x");
    local = put(local, A, epochsA, VectorClock.empty(), "y");

    Siblings deleted =
        local.update(
            local.context(),
            Versioned.tombstone(2000),
            local.actorFor(A, VectorClock.empty(), epochsA));

    assertThat(deleted.liveValues()).isEmpty();
    assertThat(deleted.isDeleted()).isTrue();
    assertThat(deleted.isEmpty()).isFalse();
    assertThat(deleted.siblingCount()).isEqualTo(1);
    Siblings rewritten = put(deleted, A, epochsA, deleted.context(), "z");
    assertThat(rewritten.values()).extracting(Versioned::isTombstone).containsExactly(false);
  }

  @Test
  void aDeleteConcurrentWithAWriteKeepsTheWrite() {
    Siblings a = put(Siblings.empty(), A, epochsA, VectorClock.empty(), "x");
    Siblings b = Siblings.sync(Siblings.empty(), a);
    VectorClock read = a.context();

    a = a.update(read, Versioned.tombstone(2000), a.actorFor(A, read, epochsA));
    b = put(b, B, epochsB, read, "y");

    Siblings merged = Siblings.sync(a, b);
    assertThat(live(merged)).containsExactly("y");
    assertThat(merged.siblingCount()).isEqualTo(2);
    assertThat(merged).isEqualTo(Siblings.sync(b, a));
  }

  @Test
  void concurrentWritesOnTwoReplicasMergeToSiblingsAndAReconcilingWriteReplacesThem() {
    Siblings a = put(Siblings.empty(), A, epochsA, VectorClock.empty(), "x");
    Siblings b = put(Siblings.empty(), B, epochsB, VectorClock.empty(), "y");
    Siblings merged = Siblings.sync(a, b);
    assertThat(live(merged)).containsExactly("x", "y");

    Siblings c = put(b, B, epochsB, merged.context(), "xy");
    assertThat(live(Siblings.sync(merged, c))).containsExactly("xy");
    assertThat(Siblings.sync(a, c)).isEqualTo(Siblings.sync(c, a));
  }

  @Test
  void sizeHelpers() {
    Siblings s = put(Siblings.empty(), A, epochsA, VectorClock.empty(), "abc");
    s = put(s, B, epochsB, VectorClock.empty(), "de");
    assertThat(s.siblingCount()).isEqualTo(2);
    assertThat(s.totalValueBytes()).isEqualTo(5);
    assertThat(s.clockSize()).isEqualTo(2);
    assertThat(Siblings.empty().isEmpty()).isTrue();
    assertThat(Siblings.empty().isDeleted()).isTrue();
  }

  @Test
  void actorForReusesTheNodesEntryAndLeasesAFreshEpochOtherwise() {
    Siblings s = Siblings.empty();
    Actor first = s.actorFor(A, VectorClock.empty(), epochsA);
    assertThat(first.epoch()).isGreaterThanOrEqualTo(epochsA.incarnation());
    s = s.update(VectorClock.empty(), v("x"), first);
    assertThat(s.actorFor(A, VectorClock.empty(), epochsA)).isEqualTo(first);

    epochsA.restart(); // new data directory: the old actor's counters may be forgotten
    Actor afterRestart = s.actorFor(A, VectorClock.empty(), epochsA);
    assertThat(afterRestart.epoch()).isGreaterThan(first.epoch());
  }

  @Test
  void pruningNeverDropsValuesAndForcesAFreshEpochOnThePrunedActor() {
    // a writes twice, b overwrites with full context: a's entry no longer carries a value.
    Siblings s = put(Siblings.empty(), A, epochsA, VectorClock.empty(), "x");
    Actor oldA = s.actorFor(A, VectorClock.empty(), epochsA);
    s = put(s, A, epochsA, s.context(), "x2");
    Siblings stale = s; // a replica that still has x2
    s =
        s.update(
            s.context(),
            Versioned.of("y".getBytes(UTF_8), 5000),
            s.actorFor(B, VectorClock.empty(), epochsB));

    Siblings pruned = s.pruned(1);
    assertThat(pruned.clockSize()).isEqualTo(1);
    assertThat(pruned.values()).isEqualTo(s.values());
    assertThat(pruned.prunedEpoch(A)).isEqualTo(oldA.epoch());
    assertThat(pruned.prunedEpoch(B)).isEqualTo(-1);
    assertThat(s.pruned(1).pruned(1)).isEqualTo(pruned);

    // false sibling: the stale replica resurrects x2 next to y (acceptable); y is not lost.
    Siblings resurrected = Siblings.sync(pruned, stale);
    assertThat(live(resurrected)).containsExactly("x2", "y");

    // a's entry is back with counter 2 but a must not continue from it: the epoch is below the
    // floor.
    Actor next = resurrected.actorFor(A, VectorClock.empty(), epochsA);
    assertThat(next.epoch()).isGreaterThan(oldA.epoch());
    Siblings written = resurrected.update(resurrected.context(), v("z"), next);
    assertThat(live(written)).containsExactly("z");
  }

  @Test
  void pruningKeepsEntriesThatCarryValuesEvenAboveTheThreshold() {
    Siblings s = Siblings.empty();
    for (int i = 0; i < 5; i++) {
      s = put(s, NodeId.of("n" + i), new TestEpochs(), VectorClock.empty(), "v" + i);
    }
    Siblings all = s;
    assertThat(all.pruned(2)).isSameAs(all);
    assertThatThrownBy(() -> all.pruned(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void pruningRemovesOldestFirst() {
    Siblings s = Siblings.empty();
    for (int i = 0; i < 4; i++) {
      NodeId n = NodeId.of("n" + (3 - i)); // so that time order differs from actor order
      s =
          s.update(
              s.context(),
              Versioned.of(new byte[] {(byte) i}, 100 + i),
              s.actorFor(n, VectorClock.empty(), epochsA));
    }
    Siblings pruned = s.pruned(2);
    assertThat(pruned.context().toMap().keySet())
        .extracting(Actor::node)
        .containsExactly(NodeId.of("n0"), NodeId.of("n1"));
  }

  /**
   * The seed that found it: a coordinator pruned the actor a write's context had just taught it
   * (its write time unknown, so taken as the oldest), and the value that actor wrote came back
   * beside the write that superseded it.
   */
  @Test
  void anActorLearntFromAWritesContextIsNotPrunedFirst() {
    Siblings replica = Siblings.empty();
    for (int i = 0; i < 3; i++) {
      replica =
          replica.update(
              replica.context(),
              Versioned.of(new byte[] {(byte) i}, 100 + i),
              replica.actorFor(NodeId.of("n" + i), VectorClock.empty(), epochsA));
    }
    Siblings coordinator =
        replica.update(
            replica.context(),
            Versioned.of("x".getBytes(UTF_8), 2000),
            replica.actorFor(A, VectorClock.empty(), epochsA));
    VectorClock read = coordinator.context();

    Siblings written =
        replica
            .update(
                read, Versioned.of("y".getBytes(UTF_8), 2001), replica.actorFor(B, read, epochsB))
            .pruned(4);

    assertThat(written.context().toMap().keySet()).extracting(Actor::node).contains(A);
    assertThat(live(Siblings.sync(coordinator.pruned(4), written))).containsExactly("y");
  }

  /**
   * A replica that pruned an actor whose node still writes with it (that node's own set kept a
   * value of it) learns the actor again from a context: it must keep it like any fresh knowledge,
   * or the node's newest value comes back beside the write that superseded it.
   */
  @Test
  void anActorPrunedHereButStillWritingIsKeptWhenAContextTeachesItAgain() {
    Siblings atA =
        Siblings.empty()
            .update(
                VectorClock.empty(),
                Versioned.of("a1".getBytes(UTF_8), 50),
                Siblings.empty().actorFor(A, VectorClock.empty(), epochsA));
    Siblings atB = atA;
    for (int i = 0; i < 3; i++) {
      atB =
          atB.update(
              atB.context(),
              Versioned.of(("n" + i).getBytes(UTF_8), 100 + i),
              atB.actorFor(NodeId.of("n" + i), VectorClock.empty(), epochsB));
    }
    atB = atB.pruned(3);
    assertThat(atB.clockSize()).as("a's actor pruned at b").isEqualTo(3);

    atA =
        atA.update(
            atA.context(),
            Versioned.of("a2".getBytes(UTF_8), 2000),
            atA.actorFor(A, atA.context(), epochsA));
    VectorClock readFromA = atA.context();
    Siblings written =
        atB.update(
                readFromA,
                Versioned.of("y".getBytes(UTF_8), 2001),
                atB.actorFor(B, readFromA, epochsB))
            .pruned(3);

    // n2 is concurrent with y (a never saw it); a2 is not: y's context saw it.
    assertThat(live(Siblings.sync(atA, written))).containsExactlyInAnyOrder("n2", "y");
  }

  @Test
  void kv679APrunedActorResurrectedWithAStaleCounterGetsAFreshEpoch() {
    Siblings a = put(Siblings.empty(), A, epochsA, VectorClock.empty(), "w1"); // dot (a, 1)
    Siblings c = Siblings.sync(Siblings.empty(), a); // a lagging replica: (a, 1) only
    a = put(a, A, epochsA, a.context(), "w2"); // dot (a, 2)
    Actor actorA = a.actorFor(A, VectorClock.empty(), epochsA);
    Siblings b = put(Siblings.sync(Siblings.empty(), a), B, epochsB, a.context(), "w3");
    a = Siblings.sync(a, b).pruned(1); // (a, 2) carries no value any more: pruned
    assertThat(a.context().counter(actorA)).isZero();

    // Anti-entropy with c brings back (a, 1) and w1 as a false sibling. Continuing from that entry
    // would reissue (a, 2), a dot b has already seen, and b would drop the new write as old.
    a = Siblings.sync(a, c);
    assertThat(live(a)).containsExactlyInAnyOrder("w1", "w3");
    Actor chosen = a.actorFor(A, VectorClock.empty(), epochsA);
    Siblings next = a.update(VectorClock.empty(), v("w4"), chosen);
    // b still knows w1 was superseded, so the false sibling goes; w4 must survive.
    assertThat(live(Siblings.sync(b, next))).containsExactlyInAnyOrder("w3", "w4");
    assertThat(chosen).isNotEqualTo(actorA);
  }

  @Test
  void kv679ANodeWithANewDataDirectoryNeverContinuesAStaleCounter() {
    Siblings a = put(Siblings.empty(), A, epochsA, VectorClock.empty(), "w1");
    Siblings b = Siblings.sync(Siblings.empty(), a); // b has (a, 1)
    a = put(a, A, epochsA, a.context(), "w2"); // (a, 2), only on a
    Siblings c = Siblings.sync(Siblings.empty(), a);

    epochsA.restart(); // a loses its data directory; read repair brings (a, 1) back from b
    Siblings repaired = Siblings.sync(Siblings.empty(), b);
    Siblings next =
        repaired.update(
            repaired.context(), v("w3"), repaired.actorFor(A, VectorClock.empty(), epochsA));

    assertThat(live(Siblings.sync(c, next))).containsExactlyInAnyOrder("w2", "w3");
  }

  @Test
  void twoValuesUnderOneDotAreBothKeptAndCounted() {
    // a's disk rolls back after w2 reached b: a reissues w2's dot for w3 (what the incarnation and
    // Riak's check prevent; here the epoch source is made to keep the incarnation).
    Siblings a = put(Siblings.empty(), A, epochsA, VectorClock.empty(), "w1");
    Siblings rolledBack = a;
    a = put(a, A, epochsA, VectorClock.empty(), "w2");
    Siblings b = Siblings.sync(Siblings.empty(), a);
    Siblings reissued = put(rolledBack, A, epochsA, VectorClock.empty(), "w3");
    assertThat(reissued.siblings().get(1).dot()).isEqualTo(a.siblings().get(1).dot());

    Siblings merged = Siblings.sync(b, reissued);
    assertThat(live(merged)).containsExactlyInAnyOrder("w1", "w2", "w3");
    assertThat(merged.reissuedDots()).isEqualTo(1);
    assertThat(Siblings.sync(reissued, b)).isEqualTo(merged);
    assertThat(Siblings.sync(merged, b)).isEqualTo(merged);
    assertThat(Siblings.sync(merged, reissued)).isEqualTo(merged);
    // A write that saw the dot supersedes both values under it.
    Siblings after = put(merged, B, epochsB, merged.context(), "w4");
    assertThat(live(Siblings.sync(merged, after))).containsExactly("w4");
    assertThat(after.reissuedDots()).isZero();
  }

  @Test
  void aContextShowingMoreOfTheNodesActorThanItsRecordForcesAFreshEpoch() {
    // Riak's check: the local record lost the commit of w2, which a client read elsewhere.
    Siblings a = put(Siblings.empty(), A, epochsA, VectorClock.empty(), "w1");
    Siblings rolledBack = a;
    a = put(a, A, epochsA, VectorClock.empty(), "w2");
    Actor old = a.actorFor(A, VectorClock.empty(), epochsA);
    VectorClock clientSaw = a.context();

    Actor chosen = rolledBack.actorFor(A, clientSaw, epochsA);

    assertThat(chosen).isNotEqualTo(old);
    assertThat(chosen.epoch()).isGreaterThan(old.epoch());
    assertThat(rolledBack.actorFor(A, rolledBack.context(), epochsA)).isEqualTo(old);
  }

  @Test
  void aCounterAtTheTopOfItsRangeGetsAFreshEpochInsteadOfOverflowing() {
    Siblings s = put(Siblings.empty(), A, epochsA, VectorClock.empty(), "w1");
    Actor actor = s.actorFor(A, VectorClock.empty(), epochsA);
    VectorClock forged = VectorClock.of(java.util.Map.of(actor, Long.MAX_VALUE));
    // A context claiming the last counter: refused as untrusted for reuse, no arithmetic overflow.
    Actor chosen = s.actorFor(A, forged, epochsA);
    assertThat(chosen).isNotEqualTo(actor);
    Siblings next = s.update(forged, v("w2"), chosen);
    assertThat(live(next)).containsExactly("w2");
    // The record now holds the forged counter for the old actor: it is never reused.
    assertThat(next.actorFor(A, VectorClock.empty(), epochsA)).isEqualTo(chosen);
    Actor again = Siblings.sync(next, s).actorFor(A, VectorClock.empty(), epochsA);
    assertThat(again).isEqualTo(chosen);
  }

  @Test
  void forgedEpochsOfTheNodeAreNeitherTrustedNorAFloorToLeaseAbove() {
    Siblings s = put(Siblings.empty(), A, epochsA, VectorClock.empty(), "w1");
    Actor real = s.actorFor(A, VectorClock.empty(), epochsA);
    Actor neverLeased = new Actor(A, epochsA.ceiling() + 5);
    Actor nearTheEnd = new Actor(A, EpochSource.MAX_EPOCH - 2);
    Actor atTheTop = new Actor(A, Long.MAX_VALUE);
    VectorClock forged =
        VectorClock.of(java.util.Map.of(neverLeased, 3L, nearTheEnd, 1L, atTheTop, 7L));

    // The node's own record is intact: forged actors beside it change nothing.
    assertThat(s.actorFor(A, forged, epochsA)).isEqualTo(real);
    Siblings poisoned = s.update(forged, v("w2"), real);
    assertThat(poisoned.actorFor(A, VectorClock.empty(), epochsA)).isEqualTo(real);

    // Without a trusted record, the fresh epoch comes from the node's own counter, not from
    // above the forged epochs: nothing pushes the node to the end of the epoch range.
    long before = epochsA.leasedBelow();
    Actor fresh = Siblings.empty().actorFor(A, forged, epochsA);
    assertThat(fresh).isNotIn(real, neverLeased, nearTheEnd, atTheTop);
    assertThat(fresh.epoch()).isLessThan(before + 10);
    Siblings pruned = poisoned.pruned(1);
    assertThat(pruned.prunedEpoch(A)).isEqualTo(nearTheEnd.epoch());
    Actor afterPruning = pruned.actorFor(A, VectorClock.empty(), epochsA);
    assertThat(afterPruning.epoch()).isLessThan(before + 10);
  }
}
