/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.security.ClusterSecret;
import io.dynamokv.core.version.CausalContext;
import io.dynamokv.core.version.ContextSigner;
import io.dynamokv.core.version.EpochSource;
import io.dynamokv.core.version.Siblings;
import io.dynamokv.core.version.VectorClock;
import io.dynamokv.core.version.Versioned;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A tour of dynamo-kv's building blocks, as executable documentation. */
class TutorialTest {

  /** Each node leases epochs from a durable counter; here, a plain field. */
  private static final class Epochs implements EpochSource {
    private long next = 1;

    @Override
    public long incarnation() {
      return 1;
    }

    @Override
    public long leaseAbove(long floor) {
      next = Math.max(next, floor + 1);
      return next++;
    }

    @Override
    public long leasedBelow() {
      return next;
    }

    @Override
    public long ceiling() {
      return next;
    }
  }

  /** Every node of a cluster shares one secret; it signs the contexts clients get. */
  private static final ContextSigner CONTEXTS =
      new ContextSigner(ClusterSecret.of(List.of("a secret shared by every node".getBytes(UTF_8))));

  @Test
  void concurrentWritesBecomeSiblingsAndAReconcilingWriteReplacesThem() {
    NodeId nodeA = NodeId.of("node-a");
    NodeId nodeB = NodeId.of("node-b");
    Epochs epochsA = new Epochs();
    Epochs epochsB = new Epochs();

    // Both replicas start with the first version of a shopping cart, written through node A.
    byte[] key = "cart:alice".getBytes(UTF_8);
    VectorClock none = VectorClock.empty();
    Siblings replicaA = Siblings.empty();
    replicaA = replicaA.update(none, cart("milk", 1), replicaA.actorFor(nodeA, none, epochsA));
    Siblings replicaB = Siblings.sync(Siblings.empty(), replicaA);

    // Two clients read it. The opaque context they get is the causal context, signed for this
    // store and key so that no client can make one up or bring one of another key.
    byte[] context = CONTEXTS.sign("carts", key, replicaA.context());

    // Each writes back with that context, through a different coordinator, which verifies it.
    CausalContext seen = CONTEXTS.verify("carts", key, context);
    replicaA = replicaA.update(seen, cart("milk,eggs", 2), replicaA.actorFor(nodeA, seen, epochsA));
    replicaB =
        replicaB.update(seen, cart("milk,bread", 3), replicaB.actorFor(nodeB, seen, epochsB));

    // Neither write saw the other: when the replicas sync (anti-entropy, read repair), both
    // survive as siblings, and a read returns both with one context that covers them.
    replicaA = Siblings.sync(replicaA, replicaB);
    assertThat(replicaA.liveValues())
        .extracting(TutorialTest::text)
        .containsExactlyInAnyOrder("milk,eggs", "milk,bread");
    byte[] contextOfBoth = CONTEXTS.sign("carts", key, replicaA.context());

    // The application reconciles (set union) and writes back with that context...
    CausalContext sawBoth = CONTEXTS.verify("carts", key, contextOfBoth);
    replicaA =
        replicaA.update(
            sawBoth, cart("milk,eggs,bread", 4), replicaA.actorFor(nodeA, sawBoth, epochsA));

    // ...which supersedes both siblings on every replica it reaches.
    replicaB = Siblings.sync(replicaB, replicaA);
    assertThat(replicaB.liveValues())
        .extracting(TutorialTest::text)
        .containsExactly("milk,eggs,bread");

    // A context of another key is refused: it would supersede versions its client never saw.
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> CONTEXTS.verify("carts", "cart:bob".getBytes(UTF_8), contextOfBoth))
        .isInstanceOf(io.dynamokv.core.InvalidContextException.class)
        .hasMessageContaining("another key");
  }

  private static Versioned cart(String items, long wallMillis) {
    return Versioned.of(items.getBytes(UTF_8), wallMillis);
  }

  private static String text(Versioned v) {
    return new String(v.value(), UTF_8);
  }
}
