/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.bench;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.coordination.CoordinationMessage.ReplicaWrite;
import io.dynamokv.core.coordination.CoordinationMessage.ReplicaWriteReply;
import io.dynamokv.core.node.DynamoNode;
import io.dynamokv.core.security.ClusterSecret;
import io.dynamokv.core.security.SecureChannel;
import io.dynamokv.core.spi.PeerMessage;
import io.dynamokv.core.wire.PeerProtocols;
import io.dynamokv.transport.thrift.AddressBook;
import io.dynamokv.transport.thrift.Channels;
import io.dynamokv.transport.thrift.gen.ChannelHello;
import io.dynamokv.transport.thrift.gen.ChannelWelcome;
import io.dynamokv.transport.thrift.gen.DynamoError;
import io.dynamokv.transport.thrift.gen.ErrorCode;
import io.dynamokv.transport.thrift.gen.PeerEnvelope;
import io.dynamokv.transport.thrift.gen.PeerResponse;
import io.dynamokv.transport.thrift.gen.PeerService;
import io.dynamokv.transport.thrift.gen.Sealed;
import io.dynamokv.transport.thrift.peer.PeerFrames;
import io.dynamokv.transport.thrift.peer.ThriftPeerTransport;
import io.dynamokv.transport.thrift.server.ThriftServer;
import io.dynamokv.transport.thrift.server.ThriftServerConfig;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
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
 * The node-to-node path: node A's {@link ThriftPeerTransport} calls node B, against a bare Thrift
 * echo of the same bytes in the same run, so that {@code peer / echo} is what the peer transport
 * adds on top of a Thrift round trip on loopback. Meant as the "before" of a change to the peer
 * path (e.g. authenticating every peer message): run it before and after, compare the ratios.
 *
 * <p>The message: a coordination {@link ReplicaWrite} to store {@value #STORE} with a 16-byte key
 * and {@code payload} bytes of (opaque, random) siblings, answered by B with a fixed {@link
 * ReplicaWriteReply} (an empty reply, a few bytes on the wire).
 *
 * <p>{@code server=peer} measures one blocking {@code A.call(B, request, 5 s)} through the whole
 * transport: encoding with the core codec ({@link DynamoNode#PROTOCOLS}), a deadline task on the
 * transport's timer, taking a pooled connection (at most {@code poolSize} = 8 per peer, so one per
 * JMH thread here), writing the request on the caller's thread and reading the reply on the
 * transport's selector thread, B's {@link ThriftServer} ({@link ThriftServerConfig#loopback()}: 2
 * selector threads, no worker pool) hosting B's {@link ThriftPeerTransport#peerService()}, which
 * checks the addressing, decodes the request and calls B's handler; the handler answers at once
 * with a completed stage, on B's selector thread. Back on A, the response is decoded and the
 * caller's future completed from the transport's completion thread. Both nodes are built by {@link
 * #transport}, the one place to configure them.
 *
 * <p>{@code server=echo}, the reference, measures the same Thrift call without the transport: a
 * {@link PeerService.AsyncIface} on the same {@link ThriftServer} class with the same configuration
 * answers every {@code exchange} with the response B sends, byte for byte (the {@code PeerResponse}
 * frame of a {@code ReplicaWriteReply}, prepared at setup), on its selector thread and without
 * looking at the request. The client is the generated synchronous {@code PeerService.Client}
 * ({@code TSocket} + {@code TFramedTransport} + {@code TCompactProtocol}), one connection per JMH
 * thread, sending the very envelope A's transport sends (prepared at setup with the same codecs, so
 * both sides move the same bytes in both directions). The ratio thus also charges the peer side
 * with its asynchronous client: a thread hand-off on A per call (the selector that reads the reply
 * wakes the waiting caller; until a7530ae libthrift's client also handed each request to its
 * selector to write) where the synchronous client has none, plus scheduling and cancelling the
 * deadline task. A node pays these on every peer call.
 *
 * <p>Warm-up: on a loaded 2-core machine both sides' throughput keeps climbing for about 10 s of a
 * fork (JIT), hence 3 warm-up iterations of 4 s; with 1 s ones the measurements fall in the climb.
 *
 * <p>Run (16 forks of 17 s of iterations plus JVM start and setup, about 5.5 minutes on a loaded
 * 2-core machine): {@code java --add-opens java.base/java.nio=ALL-UNNAMED --add-exports
 * java.base/sun.nio.ch=ALL-UNNAMED -jar dynamo-bench/target/benchmarks.jar PeerPathBenchmark -f 2
 * -wi 3 -i 5 -w 4s -r 1s -rf json -rff peer-bench.json}. Parameters are ordered so that each
 * payload's peer and echo run back to back.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
    value = 2,
    jvmArgsAppend = {
      "--add-opens", "java.base/java.nio=ALL-UNNAMED",
      "--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED"
    })
@Warmup(iterations = 3, time = 4, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
public class PeerPathBenchmark {
  static final String STORE = "default";
  static final NodeId A = NodeId.of("bench-a");
  static final NodeId B = NodeId.of("bench-b");
  static final Duration TIMEOUT = Duration.ofSeconds(5);
  static final int SOCKET_TIMEOUT_MILLIS = 5_000;
  static final PeerMessage REPLY = new ReplicaWriteReply();
  static final ClusterSecret SECRET =
      ClusterSecret.of(
          List.of("the benchmark cluster's secret!!".getBytes(StandardCharsets.UTF_8)));

  /** What stands in for a MAC in the echo's messages: as many bytes, never computed or checked. */
  static final ByteBuffer NO_MAC = ByteBuffer.allocate(SecureChannel.MAC_BYTES);

  /**
   * A node's peer transport, as both A and B use it: the one place to change the peer configuration
   * under test (e.g. a cluster secret), so that before and after differ only here.
   */
  static ThriftPeerTransport transport(NodeId self, AddressBook book) {
    return ThriftPeerTransport.builder(self, book).secret(SECRET).build();
  }

  /** The two nodes (or the echo server), one per trial. */
  @State(Scope.Benchmark)
  public static class Nodes {
    @Param({"100", "1024"})
    public int payload;

    @Param({"peer", "echo"})
    public String server;

    ReplicaWrite request;
    ThriftServer thrift;
    ThriftPeerTransport a;
    ThriftPeerTransport b;
    PeerEnvelope envelope;

    @Setup(Level.Trial)
    public void start() throws Exception {
      byte[] siblings = new byte[payload];
      new SplittableRandom(7).nextBytes(siblings);
      byte[] key = "bench-key-000000".getBytes(StandardCharsets.UTF_8);
      request = new ReplicaWrite(STORE, key, siblings);
      PeerProtocols protocols = DynamoNode.PROTOCOLS;
      // The envelope A's transport sends for this request (ThriftPeerTransport.call).
      envelope = new PeerEnvelope(A.value(), B.value(), PeerFrames.request(protocols, request));
      switch (server) {
        case "peer" -> {
          CompletionStage<PeerMessage> replied = CompletableFuture.completedStage(REPLY);
          b = transport(B, new AddressBook(Map.of()));
          b.serve((from, message) -> replied);
          thrift = ThriftServer.servePeers(ThriftServerConfig.loopback(), b.peerService());
          a = transport(A, new AddressBook(Map.of(B, thrift.address())));
          // Fails the trial early if B does not answer as expected.
          PeerMessage first = call();
          if (!(first instanceof ReplicaWriteReply)) {
            throw new IllegalStateException("unexpected answer " + first);
          }
        }
        case "echo" ->
            thrift =
                ThriftServer.servePeers(
                    ThriftServerConfig.loopback(),
                    new EchoPeerService(PeerFrames.response(protocols, REPLY)));
        default -> throw new IllegalArgumentException("unknown server " + server);
      }
    }

    PeerMessage call() throws InterruptedException, ExecutionException {
      return a.call(B, request, TIMEOUT).toCompletableFuture().get();
    }

    @TearDown(Level.Trial)
    public void stop() {
      if (a != null) {
        a.close();
      }
      thrift.close();
      if (b != null) {
        b.close();
      }
    }
  }

  /** Per JMH thread: the echo's own connection (unused by the peer side, which pools its own). */
  @State(Scope.Thread)
  public static class Caller {
    Nodes nodes;
    boolean echo;
    TSocket socket;
    PeerService.Client client;
    Sealed envelope;

    @Setup(Level.Trial)
    public void open(Nodes nodes) throws TException {
      this.nodes = nodes;
      this.echo = nodes.server.equals("echo");
      if (!echo) {
        return;
      }
      envelope =
          new Sealed(
              1,
              ByteBuffer.wrap(Channels.serializer().serialize(nodes.envelope)),
              NO_MAC.duplicate());
      socket = new TSocket("127.0.0.1", nodes.thrift.address().getPort(), SOCKET_TIMEOUT_MILLIS);
      socket.open();
      client = new PeerService.Client(new TCompactProtocol(new TFramedTransport(socket)));
      // Fails the trial early if the echo does not answer as expected.
      PeerResponse first = new PeerResponse();
      Channels.deserializer(1 << 20, 1000)
          .deserialize(first, client.exchange(envelope).getPayload());
      if (!first.isSetFrame()
          || !(PeerFrames.decode(DynamoNode.PROTOCOLS, first) instanceof ReplicaWriteReply)) {
        throw new IllegalStateException("unexpected answer " + first);
      }
    }

    Object call() throws Exception {
      return echo ? client.exchange(envelope) : nodes.call();
    }

    @TearDown(Level.Trial)
    public void close() {
      if (socket != null) {
        socket.close();
      }
    }
  }

  @Benchmark
  @Threads(1)
  public Object call1(Caller caller) throws Exception {
    return caller.call();
  }

  @Benchmark
  @Threads(4)
  public Object call4(Caller caller) throws Exception {
    return caller.call();
  }

  // ---- the reference and the servers' other half ----

  /**
   * The peer service with no transport and no channel behind it: answers every exchange with B's
   * response, byte for byte, in a sealed message as large as B's (its MAC never computed), on the
   * calling (selector) thread.
   */
  static final class EchoPeerService implements PeerService.AsyncIface {
    private final ByteBuffer payload;

    EchoPeerService(PeerResponse response) {
      try {
        this.payload = ByteBuffer.wrap(Channels.serializer().serialize(response));
      } catch (TException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public void hello(ChannelHello hello, AsyncMethodCallback<ChannelWelcome> callback) {
      callback.onError(new DynamoError(ErrorCode.INVALID_REQUEST, "the echo needs no handshake"));
    }

    @Override
    public void exchange(Sealed request, AsyncMethodCallback<Sealed> callback) {
      callback.onComplete(
          new Sealed(request.getSequence(), payload.duplicate(), NO_MAC.duplicate()));
    }
  }
}
