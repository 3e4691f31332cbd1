/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.bench;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.client.Context;
import io.dynamokv.core.client.RequestOptions;
import io.dynamokv.core.membership.MembershipConfig;
import io.dynamokv.core.node.DynamoNode;
import io.dynamokv.core.node.NodeConfig;
import io.dynamokv.core.node.StoreDefinition;
import io.dynamokv.core.runtime.ThreadScheduler;
import io.dynamokv.core.security.ClusterSecret;
import io.dynamokv.core.spi.Clock;
import io.dynamokv.core.spi.Durability;
import io.dynamokv.core.spi.Host;
import io.dynamokv.core.spi.PeerException;
import io.dynamokv.core.spi.PeerMessage;
import io.dynamokv.core.spi.PeerTransport;
import io.dynamokv.core.spi.RandomSource;
import io.dynamokv.core.spi.StorageEngine;
import io.dynamokv.core.storage.MemoryStorageEngine;
import io.dynamokv.storage.lmdb.LmdbStorageEngineFactory;
import io.dynamokv.transport.thrift.gen.ClusterInfo;
import io.dynamokv.transport.thrift.gen.DeleteRequest;
import io.dynamokv.transport.thrift.gen.DynamoError;
import io.dynamokv.transport.thrift.gen.DynamoService;
import io.dynamokv.transport.thrift.gen.ErrorCode;
import io.dynamokv.transport.thrift.gen.GetRequest;
import io.dynamokv.transport.thrift.gen.GetResponse;
import io.dynamokv.transport.thrift.gen.LocalReadResponse;
import io.dynamokv.transport.thrift.gen.NodeStatusInfo;
import io.dynamokv.transport.thrift.gen.PutRequest;
import io.dynamokv.transport.thrift.gen.WriteResponse;
import io.dynamokv.transport.thrift.server.NodeService;
import io.dynamokv.transport.thrift.server.ThriftServer;
import io.dynamokv.transport.thrift.server.ThriftServerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.thrift.TException;
import org.apache.thrift.async.AsyncMethodCallback;
import org.apache.thrift.protocol.TCompactProtocol;
import org.apache.thrift.transport.TSocket;
import org.apache.thrift.transport.layered.TFramedTransport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A single node (N=1, R=1, W=1) behind {@link ThriftServer} + {@link NodeService}, against a bare
 * Thrift echo service served by the same server class with the same configuration, in the same run.
 * The echo answers {@code get} with one value of the payload size and {@code put} with a context,
 * both contexts byte-for-byte those a real node returns (taken from an in-process node at setup),
 * so both sides move the same bytes over the same wire and {@code node / echo} is what the node
 * adds: quorum bookkeeping, the sibling encoding, the storage engine, and the hand-off to its
 * scheduler thread and back whenever the node is busy (an idle node runs the request on the
 * selector thread, see {@code Scheduler.executeInline}).
 *
 * <p>Client: the generated synchronous client ({@code TSocket} + {@code TFramedTransport} + {@code
 * TCompactProtocol}), one connection per JMH thread, 1 and 4 threads. Gets read random keys out of
 * {@value #KEYS} pre-populated ones. Puts write random keys out of {@value #KEYS} per thread (key
 * sets disjoint between threads) passing back the context the previous put of that key returned, as
 * a client that keeps its contexts does: each key holds one version, so the store stays bounded and
 * no siblings pile up (blind writes to a small key set would reach the sibling limit and fail). The
 * first put of each key is blind.
 *
 * <p>Servers: {@code echo}; {@code memory} ({@link MemoryStorageEngine}); {@code lmdb} ({@link
 * LmdbStorageEngineFactory} in a temp directory, {@link Durability#WRITE_NO_SYNC}: commits reach
 * the OS before the reply, fsync every second, as in {@link LmdbStorageBenchmark}). Diagnostic, not
 * run by default ({@code -p server=echo,hop,memory}): {@code hop}, the echo answering from a {@link
 * ThreadScheduler} thread, i.e. the cost of a hand-off to the node's thread with no node work.
 *
 * <p>Run: {@code java --add-opens java.base/java.nio=ALL-UNNAMED --add-exports
 * java.base/sun.nio.ch=ALL-UNNAMED -jar dynamo-bench/target/benchmarks.jar ThriftBenchmark}: 48
 * forks of 4 s of iterations plus JVM start and server setup (7.5 to 8.5 minutes on a loaded 2-core
 * machine). Parameters are ordered so that each payload's echo and nodes run back to back. {@link
 * ThriftCpuReport} breaks the CPU per request down by thread. Results and reading: {@code
 * docs/benchmarks.md}, "Thrift: node vs bare echo".
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
    value = 2,
    jvmArgsAppend = {
      "--add-opens", "java.base/java.nio=ALL-UNNAMED",
      "--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED"
    })
@Warmup(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
public class ThriftBenchmark {
  static final int KEYS = 10_000;
  static final String STORE = "default";

  /** The server under test, one per trial. */
  @State(Scope.Benchmark)
  public static class Server {
    @Param({"100", "1024"})
    public int payload;

    @Param({"echo", "memory", "lmdb"})
    public String server;

    byte[] value;
    ByteBuffer[] keys;
    ThriftServer thrift;
    ThreadScheduler scheduler;
    DynamoNode node;
    StorageEngine storage;
    Path directory;
    final AtomicInteger threads = new AtomicInteger();
    final AtomicInteger schedulerErrors = new AtomicInteger();

    @Setup(Level.Trial)
    public void start() throws Exception {
      value = new byte[payload];
      new SplittableRandom(7).nextBytes(value);
      keys = new ByteBuffer[KEYS];
      for (int i = 0; i < KEYS; i++) {
        keys[i] = key("get", i);
      }
      switch (server) {
        case "echo", "hop" -> {
          RealContexts contexts = RealContexts.measure(value);
          if (server.equals("hop")) {
            scheduler = new ThreadScheduler("echo-hop", e -> schedulerErrors.incrementAndGet());
          }
          thrift =
              ThriftServer.serveClients(
                  ThriftServerConfig.loopback(),
                  new EchoService(value, contexts.get(), contexts.put(), scheduler));
        }
        case "memory", "lmdb" -> {
          if (server.equals("memory")) {
            storage = MemoryStorageEngine.create();
          } else {
            directory = Files.createTempDirectory("thrift-bench-lmdb-");
            storage =
                new LmdbStorageEngineFactory(
                        LmdbStorageEngineFactory.Options.builder()
                            .durability(Durability.WRITE_NO_SYNC)
                            .build())
                    .open(directory);
          }
          scheduler =
              new ThreadScheduler(
                  "dynamo-node-bench",
                  e -> {
                    if (schedulerErrors.getAndIncrement() < 10) {
                      e.printStackTrace();
                    }
                  });
          node = startNode(scheduler, storage);
          List<CompletableFuture<Context>> puts = new ArrayList<>(KEYS);
          for (ByteBuffer key : keys) {
            puts.add(
                node.put(STORE, bytes(key), value, Context.EMPTY, RequestOptions.DEFAULTS)
                    .toCompletableFuture());
          }
          CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
          thrift =
              ThriftServer.serveClients(
                  ThriftServerConfig.loopback(), new NodeService(node, storage));
        }
        default -> throw new IllegalArgumentException("unknown server " + server);
      }
    }

    @TearDown(Level.Trial)
    public void stop() throws IOException {
      thrift.close();
      if (node != null) {
        node.close();
        storage.close();
      }
      if (scheduler != null) {
        scheduler.close();
      }
      if (directory != null) {
        deleteRecursively(directory);
      }
      if (schedulerErrors.get() > 0) {
        throw new IllegalStateException(schedulerErrors.get() + " node task(s) failed");
      }
    }
  }

  /** One connection per JMH thread. */
  @State(Scope.Thread)
  public static class Client {
    TSocket socket;
    DynamoService.Client client;
    SplittableRandom random;
    ByteBuffer[] getKeys;
    ByteBuffer value;
    ByteBuffer[] putKeys;
    ByteBuffer[] putContexts;

    @Setup(Level.Trial)
    public void open(Server server) throws TException {
      int thread = server.threads.getAndIncrement();
      random = new SplittableRandom(1000 + thread);
      getKeys = server.keys;
      value = ByteBuffer.wrap(server.value);
      putKeys = new ByteBuffer[KEYS];
      putContexts = new ByteBuffer[KEYS];
      for (int i = 0; i < KEYS; i++) {
        putKeys[i] = key("put" + thread, i);
        putContexts[i] = ByteBuffer.allocate(0);
      }
      socket = new TSocket("127.0.0.1", server.thrift.address().getPort());
      socket.open();
      client = new DynamoService.Client(new TCompactProtocol(new TFramedTransport(socket)));
      // Fails the trial early if the server does not answer as expected.
      GetResponse first = client.get(new GetRequest(STORE, getKeys[0]));
      if (first.getValuesSize() != 1 || first.getValues().get(0).remaining() != value.remaining()) {
        throw new IllegalStateException("unexpected answer " + first);
      }
    }

    public GetResponse get() throws TException {
      return client.get(new GetRequest(STORE, getKeys[random.nextInt(KEYS)]));
    }

    public WriteResponse put() throws TException {
      int i = random.nextInt(KEYS);
      WriteResponse written = client.put(new PutRequest(STORE, putKeys[i], value, putContexts[i]));
      putContexts[i] = written.bufferForContext();
      return written;
    }

    @TearDown(Level.Trial)
    public void close() {
      socket.close();
    }
  }

  @Benchmark
  @Threads(1)
  public GetResponse get1(Client client) throws TException {
    return client.get();
  }

  @Benchmark
  @Threads(4)
  public GetResponse get4(Client client) throws TException {
    return client.get();
  }

  @Benchmark
  @Threads(1)
  public WriteResponse put1(Client client) throws TException {
    return client.put();
  }

  @Benchmark
  @Threads(4)
  public WriteResponse put4(Client client) throws TException {
    return client.put();
  }

  // ---- the reference ----

  /**
   * The client service with no node behind it: answers with prepared responses of the same size as
   * a real node's, on the calling (selector) thread, or (diagnostic {@code hop}) from a {@link
   * ThreadScheduler} thread, to show what the hand-off to the node's thread and back costs alone.
   */
  static final class EchoService implements DynamoService.AsyncIface {
    private final ByteBuffer value;
    private final ByteBuffer getContext;
    private final ByteBuffer putContext;
    private final ThreadScheduler hop;

    /**
     * @param hop null answers on the calling thread
     */
    EchoService(byte[] value, byte[] getContext, byte[] putContext, ThreadScheduler hop) {
      this.value = ByteBuffer.wrap(value.clone());
      this.getContext = ByteBuffer.wrap(getContext.clone());
      this.putContext = ByteBuffer.wrap(putContext.clone());
      this.hop = hop;
    }

    @Override
    public void get(GetRequest request, AsyncMethodCallback<GetResponse> callback) {
      answer(
          () ->
              callback.onComplete(
                  new GetResponse(List.of(value.duplicate()), getContext.duplicate())));
    }

    @Override
    public void put(PutRequest request, AsyncMethodCallback<WriteResponse> callback) {
      answer(() -> callback.onComplete(new WriteResponse(putContext.duplicate())));
    }

    @Override
    public void erase(DeleteRequest request, AsyncMethodCallback<WriteResponse> callback) {
      answer(() -> callback.onComplete(new WriteResponse(putContext.duplicate())));
    }

    private void answer(Runnable reply) {
      if (hop == null) {
        reply.run();
      } else {
        hop.execute(reply);
      }
    }

    @Override
    public void cluster(AsyncMethodCallback<ClusterInfo> callback) {
      callback.onError(unsupported());
    }

    @Override
    public void status(AsyncMethodCallback<NodeStatusInfo> callback) {
      callback.onError(unsupported());
    }

    @Override
    public void probe(String store, AsyncMethodCallback<Void> callback) {
      callback.onError(unsupported());
    }

    @Override
    public void localRead(
        String store, ByteBuffer key, AsyncMethodCallback<LocalReadResponse> callback) {
      callback.onError(unsupported());
    }

    private static DynamoError unsupported() {
      return new DynamoError(ErrorCode.INVALID_REQUEST, "the echo service only serves data calls");
    }
  }

  /** The contexts a real single node returns for a read and for a write of one key. */
  record RealContexts(byte[] get, byte[] put) {
    static RealContexts measure(byte[] value) throws Exception {
      try (ThreadScheduler scheduler = new ThreadScheduler("context-probe", e -> {});
          StorageEngine storage = MemoryStorageEngine.create()) {
        DynamoNode node = startNode(scheduler, storage);
        try {
          byte[] key = bytes(key("probe", 0));
          Context written =
              node.put(STORE, key, value, Context.EMPTY, RequestOptions.DEFAULTS)
                  .toCompletableFuture()
                  .get(10, TimeUnit.SECONDS);
          // A second write with the context of the first, as the put benchmark does.
          written =
              node.put(STORE, key, value, written, RequestOptions.DEFAULTS)
                  .toCompletableFuture()
                  .get(10, TimeUnit.SECONDS);
          Context read =
              node.get(STORE, key, RequestOptions.DEFAULTS)
                  .toCompletableFuture()
                  .get(10, TimeUnit.SECONDS)
                  .context();
          return new RealContexts(read.toBytes(), written.toBytes());
        } finally {
          node.close();
        }
      }
    }
  }

  // ---- helpers ----

  static DynamoNode startNode(ThreadScheduler scheduler, StorageEngine storage)
      throws InterruptedException {
    DynamoNode node =
        DynamoNode.start(
            NodeConfig.builder(
                    MembershipConfig.builder(NodeId.of("bench")).address("127.0.0.1:1").build())
                .store(StoreDefinition.of(STORE, 1, 1, 1))
                .clusterSecret(
                    ClusterSecret.of(
                        List.of(
                            "the benchmark's own cluster secret".getBytes(StandardCharsets.UTF_8))))
                .build(),
            Clock.system(),
            scheduler,
            RandomSource.unseeded(),
            new NoPeers(),
            storage,
            Host.inMemory());
    CompletableFuture<Void> ring = new CompletableFuture<>();
    node.membership().addRingListener(r -> ring.complete(null));
    if (node.ring().isPresent()) {
      ring.complete(null);
    }
    try {
      ring.get(30, TimeUnit.SECONDS);
    } catch (TimeoutException | ExecutionException e) {
      throw new IllegalStateException("the single node formed no ring in 30 s", e);
    }
    return node;
  }

  static ByteBuffer key(String prefix, int i) {
    return ByteBuffer.wrap(String.format("%s-%08d", prefix, i).getBytes(StandardCharsets.UTF_8));
  }

  static byte[] bytes(ByteBuffer buffer) {
    byte[] out = new byte[buffer.remaining()];
    buffer.duplicate().get(out);
    return out;
  }

  static void deleteRecursively(Path directory) throws IOException {
    try (Stream<Path> files = Files.walk(directory)) {
      files
          .sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.delete(p);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    }
  }

  /** A node alone: every peer call fails at once (there are no peers to call). */
  static final class NoPeers implements PeerTransport {
    @Override
    public CompletionStage<PeerMessage> call(NodeId target, PeerMessage request, Duration timeout) {
      return CompletableFuture.failedFuture(new PeerException.Unreachable(target, "no peers"));
    }

    @Override
    public void serve(PeerHandler handler) {}

    @Override
    public void close() {}
  }
}
