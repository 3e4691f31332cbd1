/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dynamokv.core.DynamoException;
import io.dynamokv.core.InvalidContextException;
import io.dynamokv.core.LimitExceededException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.StoreNotFoundException;
import io.dynamokv.core.client.Codec;
import io.dynamokv.core.client.ConflictResolver;
import io.dynamokv.core.client.Context;
import io.dynamokv.core.client.GetResult;
import io.dynamokv.core.client.RequestOptions;
import io.dynamokv.core.client.Resolvers;
import io.dynamokv.core.client.Sibling;
import io.dynamokv.core.client.Updated;
import io.dynamokv.core.node.StoreDefinition;
import io.dynamokv.transport.thrift.client.ClientProbe;
import io.dynamokv.transport.thrift.client.ThriftDynamoClient;
import io.dynamokv.transport.thrift.client.ThriftDynamoClient.UnavailableException;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link ThriftDynamoClient} against one real node (N=1) behind a Thrift socket. */
class ThriftDynamoClientTest {
  private static final String STORE = "default";

  /** A set of strings, one per line, sorted: a shopping cart. */
  static final Codec<Set<String>> SET =
      new Codec<>() {
        @Override
        public byte[] encode(Set<String> value) {
          return String.join("\n", new TreeSet<>(value)).getBytes(UTF_8);
        }

        @Override
        public Set<String> decode(byte[] bytes) {
          String s = new String(bytes, UTF_8);
          return s.isEmpty() ? new TreeSet<>() : new TreeSet<>(Arrays.asList(s.split("\n")));
        }
      };

  static final ConflictResolver<Set<String>> UNION = Resolvers.union(TreeSet::new);

  private static ThriftTestCluster cluster;
  private ThriftDynamoClient client;

  @BeforeAll
  static void startNode() {
    cluster = ThriftTestCluster.start(1, List.of(StoreDefinition.of(STORE, 1, 1, 1)));
  }

  @AfterAll
  static void stopNode() {
    cluster.close();
  }

  @BeforeEach
  void connect() {
    client = cluster.client().build();
  }

  @AfterEach
  void disconnect() {
    client.close();
  }

  @Test
  void putGetDeleteRoundTrip() {
    byte[] key = key("round-trip");
    assertThat(client.get(STORE, key).isAbsent()).isTrue();

    Context first = client.put(STORE, key, bytes("v1"), Context.EMPTY);
    assertThat(first.isEmpty()).isFalse();
    GetResult read = client.get(STORE, key);
    assertThat(read.values()).containsExactly(bytes("v1"));

    client.put(STORE, key, bytes("v2"), read.context());
    read = client.get(STORE, key);
    assertThat(read.values()).containsExactly(bytes("v2"));

    client.delete(STORE, key, read.context());
    read = client.get(STORE, key);
    assertThat(read.isAbsent()).isTrue();
    assertThat(read.context().isEmpty()).as("the context covers the tombstone").isFalse();

    client.put(STORE, key, bytes("v3"), read.context());
    assertThat(client.get(STORE, key).values()).containsExactly(bytes("v3"));
  }

  @Test
  void twoWritesWithOneContextBecomeSiblingsAndAReconcilingWriteSupersedesBoth() {
    byte[] key = key("siblings");
    client.put(STORE, key, bytes("base"), Context.EMPTY);
    Context seen = client.get(STORE, key).context();

    client.put(STORE, key, bytes("a"), seen);
    client.put(STORE, key, bytes("b"), seen);
    GetResult read = client.get(STORE, key);
    assertThat(read.hasSiblings()).isTrue();
    assertThat(strings(read)).containsExactlyInAnyOrder("a", "b");

    client.put(STORE, key, bytes("a+b"), read.context());
    assertThat(strings(client.get(STORE, key))).containsExactly("a+b");
  }

  @Test
  void concurrentUpdatesOfOneSetKeepEveryElement() throws Exception {
    byte[] key = key("cart");
    int threads = 4;
    int perThread = 15;
    // Fewer connections than threads: callers also wait for each other's connections.
    try (ThriftDynamoClient shared = cluster.client().connectionsPerNode(2).build()) {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          int thread = t;
          done.add(
              pool.submit(
                  () -> {
                    for (int i = 0; i < perThread; i++) {
                      String item = "item-" + thread + "-" + i;
                      Set<String> written =
                          shared.update(STORE, key, SET, UNION, cart -> with(cart, item)).value();
                      assertThat(written).contains(item);
                    }
                  }));
        }
        for (Future<?> f : done) {
          f.get(60, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      Set<String> cart = merged(shared.get(STORE, key));
      assertThat(cart).hasSize(threads * perThread);
      for (int t = 0; t < threads; t++) {
        for (int i = 0; i < perThread; i++) {
          assertThat(cart).contains("item-" + t + "-" + i);
        }
      }
    }
  }

  @Test
  void updateMergesSiblingsAndDeletesWhenTheFunctionReturnsNull() {
    byte[] key = key("update-merge");
    client.put(STORE, key, SET.encode(Set.of("x")), Context.EMPTY);
    client.put(STORE, key, SET.encode(Set.of("y")), Context.EMPTY);
    assertThat(client.get(STORE, key).hasSiblings()).isTrue();

    Set<String> written = client.update(STORE, key, SET, UNION, cart -> with(cart, "z")).value();
    assertThat(written).containsExactly("x", "y", "z");
    GetResult read = client.get(STORE, key);
    assertThat(read.hasSiblings()).as("the update superseded both siblings").isFalse();
    assertThat(SET.decode(read.values().get(0))).containsExactly("x", "y", "z");

    assertThat(client.update(STORE, key, SET, UNION, cart -> null).value()).isNull();
    assertThat(client.get(STORE, key).isAbsent()).isTrue();
    Updated<Set<String>> nothing = client.update(STORE, key, SET, UNION, cart -> null);
    assertThat(nothing.value()).isNull();
    assertThat(nothing.context()).isEqualTo(client.get(STORE, key).context());
  }

  /**
   * Issue 23: an update returns the context of exactly the version it wrote, also when another
   * write took the node's dot between the update's read and its write (a plain version vector could
   * not name the update's version then): a put chained on it supersedes the update's value, and not
   * the write the caller never saw.
   */
  @Test
  void anUpdateReturnsTheContextOfExactlyWhatItWrote() {
    byte[] key = key("update-context");
    client.put(STORE, key, SET.encode(Set.of("a")), Context.EMPTY);
    Context before = client.get(STORE, key).context();
    Updated<Set<String>> updated =
        client.update(
            STORE,
            key,
            SET,
            UNION,
            cart -> {
              client.put(STORE, key, SET.encode(Set.of("intruder")), before);
              return with(cart, "b");
            },
            RequestOptions.quorum(1));
    assertThat(updated.value()).containsExactly("a", "b");

    client.put(STORE, key, SET.encode(Set.of("a", "b", "c")), updated.context());
    assertThat(client.get(STORE, key).values())
        .extracting(SET::decode)
        .as("the chained put superseded the update's version, not the intruder")
        .containsExactlyInAnyOrder(Set.of("a", "b", "c"), Set.of("intruder"));
  }

  @Test
  void siblingsCarryTheNodeThatCoordinatedThemAndTheirWriteTime() {
    byte[] key = key("metadata");
    Instant before = Instant.now().minusMillis(1);
    client.put(STORE, key, bytes("one"), Context.EMPTY);
    client.put(STORE, key, bytes("two"), Context.EMPTY);
    Instant after = Instant.now().plusMillis(1);
    GetResult read = client.get(STORE, key);
    assertThat(read.siblings()).hasSize(2);
    for (Sibling<byte[]> s : read.siblings()) {
      assertThat(s.coordinator()).isEqualTo(NodeId.of("n1"));
      assertThat(s.writtenAt()).isBetween(before, after);
    }
    assertThat(read.values()).containsExactlyInAnyOrder(bytes("one"), bytes("two"));
  }

  @Test
  void updateWithLastWriterWinsKeepsTheLaterSibling() throws Exception {
    byte[] key = key("lww");
    client.put(STORE, key, bytes("older"), Context.EMPTY);
    Instant first = client.get(STORE, key).siblings().get(0).writtenAt();
    await().until(() -> Instant.now().isAfter(first.plusMillis(2)));
    client.put(STORE, key, bytes("newer"), Context.EMPTY);
    Updated<byte[]> kept =
        client.update(STORE, key, Codec.bytes(), Resolvers.lastWriterWins(), v -> v);
    assertThat(kept.value()).isEqualTo(bytes("newer"));
    assertThat(client.get(STORE, key).values()).containsExactly(bytes("newer"));
  }

  /**
   * A value too big for any frame the node reads is refused by the client before it is sent, as
   * certainly not applied (the node would close the connection and the client could only say "its
   * outcome is unknown").
   */
  @Test
  void aWriteTooBigForAFrameIsRefusedAsNotApplied() {
    byte[] key = key("huge");
    byte[] huge = new byte[17 * 1024 * 1024];
    assertThatThrownBy(() -> client.put(STORE, key, huge, Context.EMPTY))
        .isInstanceOf(LimitExceededException.class)
        .hasMessageContaining("not applied")
        .hasMessageContaining("value " + huge.length)
        .satisfies(e -> assertThat(((DynamoException) e).outcomeUnknown()).isFalse());
    assertThat(client.get(STORE, key).isAbsent()).isTrue();

    // The limit is the client's maxFrameBytes: values up to some size are sent, the next is not.
    int limit = 64 * 1024;
    try (ThriftDynamoClient small = cluster.client().maxFrameBytes(limit).build()) {
      int largestSent = -1;
      boolean refused = false;
      for (int size = limit - 200; size < limit && !refused; size++) {
        byte[] k = key("near-limit-" + size);
        try {
          small.put(STORE, k, new byte[size], Context.EMPTY);
          largestSent = size;
        } catch (LimitExceededException e) {
          refused = true;
          assertThat(e).hasMessageContaining("frame limit of " + limit);
          assertThat(client.get(STORE, k).isAbsent()).as("nothing was written").isTrue();
        }
      }
      assertThat(refused).as("a value under %d bytes needs a bigger frame", limit).isTrue();
      assertThat(largestSent).as("the largest value sent").isGreaterThanOrEqualTo(limit - 200);
      int sent = largestSent;
      assertThat(client.get(STORE, key("near-limit-" + sent)).values())
          .singleElement()
          .satisfies(v -> assertThat(v).hasSize(sent));
    }
  }

  @Test
  void errorsMapToDomainExceptions() {
    assertThatThrownBy(() -> client.get("nope", key("k")))
        .isInstanceOf(StoreNotFoundException.class)
        .hasMessageContaining("nope");
    assertThatThrownBy(() -> client.put("nope", key("k"), bytes("v"), Context.EMPTY))
        .isInstanceOf(StoreNotFoundException.class);

    byte[] tooLong = new byte[StoreDefinition.DEFAULT_MAX_KEY_BYTES + 1];
    Arrays.fill(tooLong, (byte) 'k');
    assertThatThrownBy(() -> client.put(STORE, tooLong, bytes("v"), Context.EMPTY))
        .isInstanceOf(LimitExceededException.class)
        .hasMessageContaining("key bytes");
    assertThatThrownBy(() -> client.get(STORE, tooLong)).isInstanceOf(LimitExceededException.class);

    Context garbage = Context.fromBytes(new byte[] {9, 9, 9, 9});
    assertThatThrownBy(() -> client.put(STORE, key("k"), bytes("v"), garbage))
        .isInstanceOf(InvalidContextException.class);
    assertThatThrownBy(() -> client.delete(STORE, key("k"), garbage))
        .isInstanceOf(InvalidContextException.class);

    assertThatThrownBy(() -> client.get(STORE, new byte[0]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> client.get(STORE, key("k"), RequestOptions.quorum(2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("N=1");
    assertThat(client.get(STORE, key("k")).isAbsent()).as("nothing was written").isTrue();
  }

  @Test
  void bootstrapSkipsADeadAddress() throws IOException {
    String dead = deadAddress();
    try (ThriftDynamoClient c =
        ThriftDynamoClient.builder()
            .bootstrap(List.of(dead, cluster.node(1).address()))
            .connectTimeout(Duration.ofSeconds(1))
            .build()) {
      byte[] key = key("bootstrap");
      c.put(STORE, key, bytes("v"), Context.EMPTY);
      assertThat(c.get(STORE, key).values()).containsExactly(bytes("v"));
    }
  }

  @Test
  void bootstrapWithOnlyDeadAddressesNamesEachOne() throws IOException {
    String dead1 = deadAddress();
    String dead2 = deadAddress();
    assertThatThrownBy(
            () ->
                ThriftDynamoClient.builder()
                    .bootstrap(List.of(dead1, dead2))
                    .connectTimeout(Duration.ofSeconds(1))
                    .build())
        .isInstanceOfSatisfying(
            UnavailableException.class, e -> assertThat(e.mayHaveBeenApplied()).isFalse())
        .hasMessageContaining("could not reach any bootstrap node")
        .hasMessageContaining(dead1 + " (")
        .hasMessageContaining(dead2 + " (")
        .hasMessageContaining("refused");
  }

  @Test
  void builderRejectsBadSettings() {
    assertThatThrownBy(() -> ThriftDynamoClient.builder().bootstrap(List.of("no-port")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("host:port");
    assertThatThrownBy(() -> ThriftDynamoClient.builder().bootstrap(List.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ThriftDynamoClient.builder().maxReadAttempts(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ThriftDynamoClient.builder().requestTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ThriftDynamoClient.builder().build())
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void closeIsIdempotentAndLaterCallsFail() {
    byte[] key = key("closed");
    client.put(STORE, key, bytes("v"), Context.EMPTY);
    assertThat(ClientProbe.idle(client, cluster.node(1).address())).isPositive();
    client.close();
    client.close();
    assertThat(ClientProbe.idle(client, cluster.node(1).address())).isZero();
    assertThatThrownBy(() -> client.get(STORE, key)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> client.put(STORE, key, bytes("v"), Context.EMPTY))
        .isInstanceOf(IllegalStateException.class);
  }

  // ---- helpers ----

  /** A loopback address nothing listens on (a port just released). */
  static String deadAddress() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return "127.0.0.1:" + s.getLocalPort();
    }
  }

  static Set<String> with(Set<String> cart, String item) {
    Set<String> next = cart == null ? new TreeSet<>() : new TreeSet<>(cart);
    next.add(item);
    return next;
  }

  static Set<String> merged(GetResult read) {
    Set<String> merged = read.resolve(SET, UNION);
    return merged == null ? Set.of() : merged;
  }

  static List<String> strings(GetResult read) {
    return read.values().stream().map(v -> new String(v, UTF_8)).toList();
  }

  static byte[] key(String s) {
    return bytes(s);
  }

  static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }
}
