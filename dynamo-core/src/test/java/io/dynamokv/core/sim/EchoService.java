/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.sim;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.spi.Keyspace;
import io.dynamokv.core.spi.PeerException;
import io.dynamokv.core.spi.PeerMessage;
import io.dynamokv.core.wire.PeerProtocol;
import io.dynamokv.core.wire.PeerProtocols;
import io.dynamokv.core.wire.WireFormat;
import io.dynamokv.core.wire.WireReader;
import io.dynamokv.core.wire.WireWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A toy service for testing the harness: answers {@link Ping} with {@link Pong} (at once, or after
 * a delay on its scheduler for {@link SlowPing}), fails on {@link Boom}, and, if {@code period} is
 * set, pings a random peer periodically, counting outcomes. It persists the number of pings it ever
 * received in its storage, so crash/restart tests can check the directory survives.
 */
final class EchoService implements AutoCloseable {
  /** The echo protocol's messages. */
  sealed interface EchoMessage extends PeerMessage {}

  record Ping(long n) implements EchoMessage {}

  record SlowPing(long n, Duration delay) implements EchoMessage {}

  record Boom() implements EchoMessage {}

  record Pong(long n, NodeId by) implements EchoMessage {}

  /** The echo protocol: what the simulated network of these tests carries. */
  static final PeerProtocols PROTOCOLS = PeerProtocols.of(new EchoCodec());

  /** Echo messages in binary: a format byte, a tag, the fields. */
  private static final class EchoCodec implements PeerProtocol<EchoMessage> {
    private static final WireFormat FORMAT = new WireFormat("echo", 1, 1);

    @Override
    public int id() {
      return 200;
    }

    @Override
    public WireFormat format() {
      return FORMAT;
    }

    @Override
    public Class<EchoMessage> messages() {
      return EchoMessage.class;
    }

    @Override
    public byte[] encode(EchoMessage m) {
      WireWriter out = WireWriter.withFormat(1);
      if (m instanceof Ping p) {
        out.u8(1).zigzag(p.n());
      } else if (m instanceof SlowPing p) {
        out.u8(2).zigzag(p.n()).zigzag(p.delay().toNanos());
      } else if (m instanceof Boom) {
        out.u8(3);
      } else if (m instanceof Pong p) {
        out.u8(4).zigzag(p.n()).string(p.by().value());
      }
      return out.toByteArray();
    }

    @Override
    public EchoMessage decode(byte[] bytes) {
      WireReader in = new WireReader("echo message", bytes);
      in.format(FORMAT);
      int tag = in.u8("tag");
      EchoMessage m =
          switch (tag) {
            case 1 -> new Ping(in.zigzag("n"));
            case 2 -> new SlowPing(in.zigzag("n"), Duration.ofNanos(in.zigzag("delay")));
            case 3 -> new Boom();
            case 4 -> new Pong(in.zigzag("n"), NodeId.of(in.string("by")));
            default -> throw in.malformed("unknown tag " + tag);
          };
      in.end();
      return m;
    }
  }

  private static final byte[] RECEIVED = "received".getBytes(StandardCharsets.UTF_8);

  final SimNode node;
  final List<NodeId> peers;
  final Keyspace meta;
  final List<String> log = new ArrayList<>();
  long pongs;
  long timeouts;
  long unreachable;
  long remote;
  long handled;
  boolean closed;
  private long next;

  EchoService(SimNode node, List<NodeId> peers, Duration period, Duration timeout) {
    this.node = node;
    this.peers = peers;
    this.meta = node.storage().keyspace("meta");
    node.transport().serve(this::handle);
    if (period != null) {
      node.scheduler()
          .scheduleWithFixedDelay(
              period,
              period,
              () -> {
                NodeId peer = peers.get(node.random().nextInt(peers.size()));
                call(peer, new Ping(next++), timeout);
              });
    }
  }

  static NodeFactory<EchoService> factory(List<NodeId> peers, Duration period, Duration timeout) {
    return node -> new EchoService(node, peers, period, timeout);
  }

  CompletionStage<PeerMessage> call(NodeId peer, PeerMessage request, Duration timeout) {
    CompletionStage<PeerMessage> stage = node.transport().call(peer, request, timeout);
    stage.whenComplete(
        (response, error) -> {
          if (error == null) {
            pongs++;
            log.add("ok " + response);
          } else if (error instanceof PeerException.Timeout) {
            timeouts++;
            log.add("timeout " + peer);
          } else if (error instanceof PeerException.Unreachable) {
            unreachable++;
            log.add("unreachable " + peer);
          } else {
            remote++;
            log.add("remote " + error.getMessage());
          }
        });
    return stage;
  }

  long receivedEver() {
    byte[] value = meta.get(RECEIVED);
    return value == null ? 0 : ByteBuffer.wrap(value).getLong();
  }

  private CompletionStage<PeerMessage> handle(NodeId from, PeerMessage request) {
    handled++;
    meta.put(RECEIVED, ByteBuffer.allocate(8).putLong(receivedEver() + 1).array());
    if (request instanceof Ping ping) {
      return CompletableFuture.completedFuture(new Pong(ping.n(), node.id()));
    }
    if (request instanceof SlowPing slow) {
      CompletableFuture<PeerMessage> answer = new CompletableFuture<>();
      node.scheduler().schedule(slow.delay(), () -> answer.complete(new Pong(slow.n(), node.id())));
      return answer;
    }
    throw new IllegalStateException("boom from " + node.id());
  }

  @Override
  public void close() {
    closed = true;
  }
}
