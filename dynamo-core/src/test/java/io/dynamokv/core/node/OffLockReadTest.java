/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.client.Context;
import io.dynamokv.core.client.GetResult;
import io.dynamokv.core.client.RequestOptions;
import io.dynamokv.core.coordination.CoordinationMessage.ReplicaRead;
import io.dynamokv.core.coordination.CoordinationMessage.ReplicaReadReply;
import io.dynamokv.core.membership.MembershipConfig;
import io.dynamokv.core.runtime.ThreadScheduler;
import io.dynamokv.core.security.TestSecrets;
import io.dynamokv.core.spi.Clock;
import io.dynamokv.core.spi.Durability;
import io.dynamokv.core.spi.Host;
import io.dynamokv.core.spi.Keyspace;
import io.dynamokv.core.spi.PeerException;
import io.dynamokv.core.spi.PeerMessage;
import io.dynamokv.core.spi.PeerTransport;
import io.dynamokv.core.spi.RandomSource;
import io.dynamokv.core.spi.StorageEngine;
import io.dynamokv.core.spi.WriteBatch;
import io.dynamokv.core.storage.MemoryStorageEngine;
import io.dynamokv.core.version.VersionCodec;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Storage reads off the node's lock: the thread that brings a read to the node reads (and for a
 * client read decodes) the key's stored set before the node's task runs, so it does not wait for
 * the node, which may be busy; the task only uses the result. One real node on a {@link
 * ThreadScheduler} (N=1), whose scheduler a test task keeps busy.
 */
class OffLockReadTest {
  private static final String STORE = "cart";
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final ThreadScheduler scheduler = new ThreadScheduler("off-lock", e -> {});
  // Without group commit a write is stored in its own task (with it, see GroupCommitNodeTest).
  private final RecordingEngine storage =
      new RecordingEngine(
          MemoryStorageEngine.open(
              new MemoryStorageEngine.Directory().durability(Durability.WRITE_NO_SYNC)));
  private final NoPeers transport = new NoPeers();
  private final DynamoNode node =
      DynamoNode.start(
          NodeConfig.builder(MembershipConfig.builder(NodeId.of("solo")).build())
              .store(StoreDefinition.of(STORE, 1, 1, 1))
              .clusterSecret(TestSecrets.CLUSTER)
              .build(),
          Clock.system(),
          scheduler,
          RandomSource.seeded(7),
          transport,
          storage,
          Host.inMemory());
  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void tearDown() throws InterruptedException {
    release.countDown();
    node.close();
    scheduler.shutdown(WAIT);
    storage.close();
  }

  @Test
  void aClientReadReadsTheLocalCopyOnItsOwnThreadWhileTheNodeIsBusy() throws Exception {
    byte[] key = "alice".getBytes(UTF_8);
    writeAndKeepTheNodeBusy(key, "book");

    CompletionStage<GetResult> get = node.get(STORE, key, RequestOptions.DEFAULTS);

    assertThat(storage.dataReaders)
        .as("threads that read the key's data before the node's task ran")
        .containsExactly(Thread.currentThread());
    assertThat(get.toCompletableFuture()).isNotDone();
    release.countDown();
    GetResult read = get.toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(read.values()).map(v -> new String(v, UTF_8)).containsExactly("book");
    assertThat(storage.dataReaders).as("no second read on the node's thread").hasSize(1);
    assertThat(node.stats().offLockReads()).isEqualTo(1);
    assertThat(node.stats().offLockRereads()).isZero();
  }

  @Test
  void aReplicaReadReadsOnTheDeliveringThreadWhileTheNodeIsBusy() throws Exception {
    byte[] key = "bob".getBytes(UTF_8);
    writeAndKeepTheNodeBusy(key, "pen");

    CompletionStage<PeerMessage> reply =
        transport.handler.handle(NodeId.of("peer"), new ReplicaRead(STORE, key));

    assertThat(storage.dataReaders).containsExactly(Thread.currentThread());
    assertThat(reply.toCompletableFuture()).isNotDone();
    release.countDown();
    PeerMessage answer = reply.toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(answer).isInstanceOf(ReplicaReadReply.class);
    assertThat(VersionCodec.decodeSiblings(((ReplicaReadReply) answer).siblings()).liveValues())
        .map(v -> new String(v.value(), UTF_8))
        .containsExactly("pen");
    assertThat(storage.dataReaders).hasSize(1);
    assertThat(node.stats().offLockReads()).isEqualTo(1);
  }

  @Test
  void aReadWhoseKeyChangedBeforeItsTaskRanReadsAgainInTheTask() throws Exception {
    byte[] key = "carol".getBytes(UTF_8);
    writeAndKeepTheNodeBusy(key, "old");

    // Queued behind the busy task: the write runs first, then the read, whose copy is stale.
    CompletionStage<Context> write =
        node.put(STORE, key, "new".getBytes(UTF_8), Context.EMPTY, RequestOptions.DEFAULTS);
    CompletionStage<GetResult> get = node.get(STORE, key, RequestOptions.DEFAULTS);
    release.countDown();
    write.toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);

    GetResult read = get.toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(read.values())
        .map(v -> new String(v, UTF_8))
        .containsExactlyInAnyOrder("old", "new");
    assertThat(node.stats().offLockRereads()).as("reads of a stale copy, read again").isEqualTo(1);
    assertThat(node.stats().offLockReads()).isZero();
  }

  /** Writes {@code value} under {@code key}, then blocks the node's scheduler until released. */
  private void writeAndKeepTheNodeBusy(byte[] key, String value) throws Exception {
    await().atMost(WAIT).until(() -> node.ring().isPresent());
    node.put(STORE, key, value.getBytes(UTF_8), Context.EMPTY, RequestOptions.DEFAULTS)
        .toCompletableFuture()
        .get(WAIT.toSeconds(), TimeUnit.SECONDS);
    CountDownLatch busy = new CountDownLatch(1);
    scheduler.execute(
        () -> {
          busy.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    assertThat(busy.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    storage.dataReaders.clear();
  }

  /** A transport with no peers: the node is alone. */
  private static final class NoPeers implements PeerTransport {
    volatile PeerHandler handler;

    @Override
    public CompletionStage<PeerMessage> call(NodeId target, PeerMessage request, Duration timeout) {
      return CompletableFuture.failedFuture(new PeerException.Unreachable(target, "no peers"));
    }

    @Override
    public void serve(PeerHandler handler) {
      this.handler = handler;
    }

    @Override
    public void close() {}
  }

  /** A memory engine that records the threads reading the stores' data keyspaces. */
  private static final class RecordingEngine implements StorageEngine {
    private final StorageEngine delegate;
    final List<Thread> dataReaders = new CopyOnWriteArrayList<>();

    RecordingEngine(StorageEngine delegate) {
      this.delegate = delegate;
    }

    @Override
    public Keyspace keyspace(String name) {
      Keyspace keyspace = delegate.keyspace(name);
      return name.startsWith("data-") ? new RecordingKeyspace(keyspace) : keyspace;
    }

    @Override
    public void write(WriteBatch batch) {
      delegate.write(batch);
    }

    @Override
    public Durability durability() {
      return delegate.durability();
    }

    @Override
    public void flush() {
      delegate.flush();
    }

    @Override
    public int maxKeyBytes() {
      return delegate.maxKeyBytes();
    }

    @Override
    public long approximateSizeBytes() {
      return delegate.approximateSizeBytes();
    }

    @Override
    public String describe() {
      return "recording " + delegate.describe();
    }

    @Override
    public void close() {
      delegate.close();
    }

    private final class RecordingKeyspace implements Keyspace {
      private final Keyspace delegate;

      RecordingKeyspace(Keyspace delegate) {
        this.delegate = delegate;
      }

      @Override
      public String name() {
        return delegate.name();
      }

      @Override
      public byte[] get(byte[] key) {
        dataReaders.add(Thread.currentThread());
        return delegate.get(key);
      }

      @Override
      public void put(byte[] key, byte[] value) {
        delegate.put(key, value);
      }

      @Override
      public void delete(byte[] key) {
        delegate.delete(key);
      }

      @Override
      public byte[] update(byte[] key, UnaryOperator<byte[]> fn) {
        return delegate.update(key, fn);
      }

      @Override
      public void scan(byte[] fromInclusive, byte[] toExclusive, EntryVisitor visitor) {
        delegate.scan(fromInclusive, toExclusive, visitor);
      }
    }
  }
}
