/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.membership.MembershipConfig;
import io.dynamokv.core.node.DynamoNode;
import io.dynamokv.core.node.NodeConfig;
import io.dynamokv.core.node.StoreDefinition;
import io.dynamokv.core.runtime.ThreadScheduler;
import io.dynamokv.core.spi.Clock;
import io.dynamokv.core.spi.PeerException;
import io.dynamokv.core.spi.PeerMessage;
import io.dynamokv.core.spi.PeerTransport;
import io.dynamokv.core.spi.RandomSource;
import io.dynamokv.core.storage.MemoryStorageEngine;
import io.dynamokv.transport.thrift.gen.DynamoError;
import io.dynamokv.transport.thrift.gen.DynamoService;
import io.dynamokv.transport.thrift.gen.ErrorCode;
import io.dynamokv.transport.thrift.gen.GetRequest;
import io.dynamokv.transport.thrift.gen.GetResponse;
import io.dynamokv.transport.thrift.gen.PutRequest;
import io.dynamokv.transport.thrift.gen.WriteResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.thrift.protocol.TCompactProtocol;
import org.apache.thrift.transport.TSocket;
import org.apache.thrift.transport.layered.TFramedTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** One node with N=1 behind a real Thrift socket, driven by the generated synchronous client. */
class SingleNodeServerTest {
  private ThreadScheduler scheduler;
  private DynamoNode node;
  private ThriftServer server;

  @BeforeEach
  void start() {
    NodeId id = NodeId.of("solo");
    scheduler = new ThreadScheduler("solo", e -> {});
    node =
        DynamoNode.start(
            NodeConfig.builder(MembershipConfig.builder(id).address("127.0.0.1:1").build())
                .store(StoreDefinition.of("default", 1, 1, 1))
                .build(),
            Clock.system(),
            scheduler,
            RandomSource.unseeded(),
            new NoPeers(),
            MemoryStorageEngine.create());
    server =
        ThriftServer.start(
            ThriftServerConfig.loopback(),
            new NodeService(node, MemoryStorageEngine.create(), new AddressBook(Map.of())),
            (envelope, callback) -> callback.onError(new IllegalStateException("no peers")));
  }

  @AfterEach
  void stop() {
    server.close();
    node.close();
    scheduler.close();
  }

  @Test
  void putThenGetOverTheWire() throws Exception {
    try (TSocket socket = new TSocket("127.0.0.1", server.address().getPort())) {
      socket.open();
      DynamoService.Client client =
          new DynamoService.Client(new TCompactProtocol(new TFramedTransport(socket)));
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> client.cluster().getRingVersion() > 0);
      WriteResponse written =
          client.put(
              new PutRequest("default", bytes("k"), bytes("v1"), ByteBuffer.wrap(new byte[0])));
      assertThat(written.getContext()).isNotEmpty();
      GetResponse read = client.get(new GetRequest("default", bytes("k")));
      assertThat(read.getValues()).containsExactly(bytes("v1"));

      assertThatThrownBy(() -> client.get(new GetRequest("nope", bytes("k"))))
          .isInstanceOfSatisfying(
              DynamoError.class, e -> assertThat(e.getCode()).isEqualTo(ErrorCode.STORE_NOT_FOUND));
    }
  }

  private static ByteBuffer bytes(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }

  private static final class NoPeers implements PeerTransport {
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
