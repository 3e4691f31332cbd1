/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.DynamoException;
import io.dynamokv.core.InvalidContextException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.client.Context;
import io.dynamokv.core.client.GetResult;
import io.dynamokv.core.client.RequestOptions;
import io.dynamokv.core.ring.StorageKeys;
import io.dynamokv.core.ring.Token;
import io.dynamokv.core.security.TestSecrets;
import io.dynamokv.core.storage.MemoryStorageEngine;
import io.dynamokv.core.version.Actor;
import io.dynamokv.core.version.ContextSigner;
import io.dynamokv.core.version.EpochSource;
import io.dynamokv.core.version.Siblings;
import io.dynamokv.core.version.VectorClock;
import io.dynamokv.core.version.VersionCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * A context from a client is untrusted input (SPEC §2): whatever bytes a client sends as a context,
 * no acknowledged write is lost and the key stays writable through every owner. One simulated
 * five-node cluster serves every try, each on a key of its own.
 *
 * <p>The contexts are aimed at the edges: a current and a stale context of the key, one of another
 * key, clocks made up by the client (this node's actor with an epoch it never leased, counters near
 * {@code Long.MAX_VALUE}, other actors' counters above anything they issued), clocks signed with
 * another cluster's secret, and truncated, bit-flipped and random bytes. Contexts the cluster did
 * not sign for this key must be refused; the others must be obeyed.
 *
 * <p>A second property signs made-up clocks with the cluster's own secret, as if a node had a bug
 * or the secret leaked: such a context may supersede what it claims to have seen (that is what a
 * context is for, and why contexts are signed), but it must never make a key unwritable.
 */
class UntrustedContextProperties {
  private static final String STORE = "cart";
  private static final RequestOptions ALL = RequestOptions.quorum(3);
  private static final ContextSigner CLUSTER = new ContextSigner(TestSecrets.CLUSTER);
  private static final ContextSigner STRANGER =
      new ContextSigner(TestSecrets.of("the secret of some other cluster"));

  private static DynamoSim sim;
  private static int keys;

  enum Kind {
    EMPTY,
    CURRENT,
    STALE,
    OTHER_KEY,
    OWN_EPOCH_NEVER_LEASED,
    OWN_EPOCH_NEAR_THE_END_OF_THE_RANGE,
    OWN_COUNTER_NEAR_MAX,
    OTHER_ACTOR_IN_THE_FUTURE,
    TOP_EPOCH,
    STRANGER_SIGNED,
    TRUNCATED,
    BIT_FLIPPED,
    RANDOM_BYTES
  }

  /** One adversarial context: its kind, how it is made, and where it is sent. */
  record Attack(Kind kind, long offset, int at, int coordinator, boolean unsigned) {}

  @Provide
  Arbitrary<Attack> attacks() {
    return Combinators.combine(
            Arbitraries.of(Kind.class),
            Arbitraries.oneOf(
                Arbitraries.longs().between(0, 3),
                Arbitraries.longs().between(1, Long.MAX_VALUE),
                Arbitraries.longs().between(Long.MAX_VALUE - 3, Long.MAX_VALUE)),
            Arbitraries.integers().between(0, 10_000),
            Arbitraries.integers().between(1, 5),
            Arbitraries.of(true, false))
        .as(Attack::new);
  }

  private static DynamoSim cluster() {
    if (sim == null) {
      sim = new DynamoSim(679, 5, List.of(StoreDefinition.of(STORE)));
      sim.formCluster();
    }
    return sim;
  }

  @AfterContainer
  static void dropCluster() {
    sim = null;
  }

  @Property
  void noContextAClientCanSendLosesAWriteOrWedgesTheKey(@ForAll("attacks") Attack attack) {
    DynamoSim sim = cluster();
    byte[] key = bytes("k" + keys++);
    List<NodeId> owners = owners(key);
    put(owners.get(0), key, "w1", Context.EMPTY);
    Context stale = read(key).context();
    put(owners.get(1), key, "w2", stale);
    Context current = read(key).context();

    Context adversarial;
    boolean legit = true;
    boolean sawW2 = false;
    switch (attack.kind()) {
      case EMPTY -> adversarial = Context.EMPTY;
      case CURRENT -> {
        adversarial = current;
        sawW2 = true;
      }
      case STALE -> adversarial = stale;
      default -> {
        adversarial = made(attack, key, owners, attack.unsigned() ? null : STRANGER);
        legit = false;
      }
    }
    Throwable error =
        errorOf(sim.node(attack.coordinator()).put(STORE, key, bytes("adv"), adversarial, ALL));

    if (legit) {
      assertThat(error).as("a context the cluster signed for this key").isNull();
    } else {
      assertThat(error).as("%s", attack).isInstanceOf(InvalidContextException.class);
    }
    List<String> values = strings(read(key));
    if (legit) {
      assertThat(values).contains("adv");
    } else {
      assertThat(values).doesNotContain("adv");
    }
    if (!sawW2) {
      assertThat(values).as("acknowledged w2 after %s", attack).contains("w2");
    }
    stillWritableThroughEveryOwner(key, owners, attack);
  }

  @Property
  void madeUpClocksSignedWithTheClustersOwnSecretNeverWedgeAKey(@ForAll("attacks") Attack attack) {
    DynamoSim sim = cluster();
    byte[] key = bytes("s" + keys++);
    List<NodeId> owners = owners(key);
    put(owners.get(0), key, "w1", Context.EMPTY);
    put(owners.get(1), key, "w2", Context.EMPTY);
    // The context names an actor of the owner that coordinates it; owners[2] has no record of the
    // key yet, so it must lease a fresh epoch with the made-up clock in front of it.
    int attacked = attack.coordinator() % 3;
    Context signed = made(attack, key, owners, CLUSTER, attacked);

    Throwable error =
        errorOf(
            sim.cluster
                .node(owners.get(attacked))
                .service()
                .put(STORE, key, bytes("adv"), signed, ALL));

    if (error != null) {
      assertThat(error).as("%s", attack).isInstanceOf(InvalidContextException.class);
    }
    stillWritableThroughEveryOwner(key, owners, attack);
  }

  private Context made(Attack attack, byte[] key, List<NodeId> owners, ContextSigner signer) {
    return made(attack, key, owners, signer, 0);
  }

  /**
   * A context made up for {@code attack}, signed by {@code signer} (raw clock bytes if null), whose
   * "own" actor is one of {@code owners.get(ownIndex)}.
   */
  private Context made(
      Attack attack, byte[] key, List<NodeId> owners, ContextSigner signer, int ownIndex) {
    Actor own = actorOf(owners.get(ownIndex), key);
    Actor other = actorOf(owners.get(ownIndex == 1 ? 0 : 1), key);
    long offset = attack.offset();
    Map<Actor, Long> clock = new TreeMap<>();
    switch (attack.kind()) {
      case OWN_EPOCH_NEVER_LEASED ->
          clock.put(
              new Actor(
                  own.node(),
                  own.epoch() + 1_000_000 + offset % (EpochSource.MAX_EPOCH - own.epoch())),
              1 + offset % 1000);
      case OWN_EPOCH_NEAR_THE_END_OF_THE_RANGE ->
          clock.put(new Actor(own.node(), EpochSource.MAX_EPOCH - 1 - offset % 5000), 1L);
      case OWN_COUNTER_NEAR_MAX -> clock.put(own, Long.MAX_VALUE - offset % 3);
      case OTHER_ACTOR_IN_THE_FUTURE -> clock.put(other, Math.max(1, offset));
      case TOP_EPOCH -> clock.put(new Actor(own.node(), Long.MAX_VALUE - offset % 3), 1L);
      default -> clock.put(own, 1 + offset % 5);
    }
    byte[] bytes =
        signer == null
            ? VersionCodec.encode(VectorClock.of(clock))
            : signer.sign(STORE, key, VectorClock.of(clock));
    byte[] legit = read(key).context().toBytes();
    return Context.fromBytes(
        switch (attack.kind()) {
          case OTHER_KEY -> otherKeyContext();
          case TRUNCATED -> java.util.Arrays.copyOf(legit, 1 + attack.at() % (legit.length - 1));
          case BIT_FLIPPED -> {
            byte[] flipped = legit.clone();
            flipped[attack.at() % flipped.length] ^= (byte) (1 << (attack.offset() & 7));
            yield flipped;
          }
          case RANDOM_BYTES -> {
            byte[] random = new byte[1 + attack.at() % 64];
            new java.util.SplittableRandom(attack.offset()).nextBytes(random);
            yield random;
          }
          default -> bytes;
        });
  }

  private byte[] otherKeyContext() {
    byte[] other = bytes("other-" + keys);
    put(owners(other).get(0), other, "x", Context.EMPTY);
    return read(other).context().toBytes();
  }

  /**
   * The key, and a key never written before, stay writable through every owner and every node; now
   * and then a node loses power and must start again and serve.
   */
  private void stillWritableThroughEveryOwner(byte[] key, List<NodeId> owners, Attack attack) {
    stillWritableThroughEveryOwner(key, owners);
    byte[] fresh = bytes("fresh" + keys++);
    for (int i = 1; i <= 5; i++) {
      assertThat(
              errorOf(
                  sim.node(i)
                      .put(STORE, fresh, bytes("n" + i), Context.EMPTY, RequestOptions.DEFAULTS)))
          .as("a blind write of a new key through n%d after %s", i, attack)
          .isNull();
    }
    if (attack.at() % 40 == 0) {
      io.dynamokv.core.sim.SimCluster<DynamoNode>.Instance victim =
          sim.cluster.node(owners.get(attack.coordinator() % 3));
      victim.powerFailure();
      victim.start();
      sim.awaitAllReachable();
      stillWritableThroughEveryOwner(key, owners);
    }
  }

  private void stillWritableThroughEveryOwner(byte[] key, List<NodeId> owners) {
    String last = null;
    for (NodeId owner : owners) {
      GetResult read = read(key);
      last = "after-" + owner;
      assertThat(
              errorOf(
                  sim.cluster
                      .node(owner)
                      .service()
                      .put(STORE, key, bytes(last), read.context(), ALL)))
          .as("a put through %s", owner)
          .isNull();
    }
    for (int i = 1; i <= 5; i++) {
      assertThat(strings(sim.join(sim.node(i).get(STORE, key, ALL)))).containsExactly(last);
    }
  }

  // ---- helpers ----

  private static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  private static List<String> strings(GetResult r) {
    List<String> out = new ArrayList<>();
    r.values().forEach(v -> out.add(new String(v, UTF_8)));
    return out;
  }

  private List<NodeId> owners(byte[] key) {
    return sim.node(1).ring().orElseThrow().preferenceList(Token.of(key), 3);
  }

  private void put(NodeId via, byte[] key, String value, Context context) {
    sim.join(sim.cluster.node(via).service().put(STORE, key, bytes(value), context, ALL));
  }

  private GetResult read(byte[] key) {
    return sim.join(sim.node(1).get(STORE, key, ALL));
  }

  private <T> Throwable errorOf(CompletionStage<T> request) {
    return sim.await(request)
        .handle((ok, e) -> e == null ? null : DynamoException.unwrap(e))
        .join();
  }

  private Actor actorOf(NodeId node, byte[] key) {
    byte[] stored =
        MemoryStorageEngine.open(sim.cluster.node(node).directory())
            .keyspace("data-" + STORE)
            .get(StorageKeys.storageKey(key));
    Siblings set = stored == null ? Siblings.empty() : VersionCodec.decodeSiblings(stored);
    return set.context().toMap().keySet().stream()
        .filter(a -> a.node().equals(node))
        .reduce((a, b) -> b)
        .orElse(new Actor(node, 1));
  }
}
