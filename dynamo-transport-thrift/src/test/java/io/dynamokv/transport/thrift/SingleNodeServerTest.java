/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.InvalidRequestException;
import io.dynamokv.core.StatusSection;
import io.dynamokv.core.StoreNotFoundException;
import io.dynamokv.transport.thrift.client.ThriftAdminClient;
import io.dynamokv.transport.thrift.gen.DeleteRequest;
import io.dynamokv.transport.thrift.gen.DynamoError;
import io.dynamokv.transport.thrift.gen.ErrorCode;
import io.dynamokv.transport.thrift.gen.GetRequest;
import io.dynamokv.transport.thrift.gen.GetResponse;
import io.dynamokv.transport.thrift.gen.PutRequest;
import io.dynamokv.transport.thrift.gen.WriteResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** One node with N=1 behind a real Thrift socket, driven by the generated synchronous client. */
@Timeout(60)
class SingleNodeServerTest {
  private ThriftTestNode node;

  @BeforeEach
  void start() {
    node = ThriftTestNode.start(UnaryOperator.identity());
  }

  @AfterEach
  void stop() {
    node.close();
  }

  @Test
  void putThenGetOverTheWire() throws Exception {
    try (ThriftTestNode.Client client = node.client()) {
      assertThat(client.cluster().getRingVersion()).isPositive();
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

  /** Status sections travel generically: the admin client gets every section the node reports. */
  @Test
  void statusCarriesEverySectionOfTheNode() {
    try (ThriftAdminClient admin =
        ThriftAdminClient.connect("127.0.0.1:" + node.port(), Duration.ofSeconds(5))) {
      ThriftAdminClient.NodeStatus status = admin.status();
      // Same sections and figures (names, kinds, tags, help) as the node reports; values move.
      assertThat(status.sections())
          .flatExtracting(StatusSection::stats)
          .extracting(st -> st.name() + st.kind() + st.tags() + st.help())
          .containsExactlyElementsOf(
              node.node().status().stream()
                  .flatMap(sec -> sec.stats().stream())
                  .map(st -> st.name() + st.kind() + st.tags() + st.help())
                  .toList());
      assertThat(status.sections())
          .extracting(StatusSection::name)
          .containsExactly(
              "coordinator", "handoff", "anti-entropy", "transfer", "gossip", "formats");
    }
  }

  @Test
  void theProbeWritesReadsAndDeletesAKeyClientsCannotWrite() throws Exception {
    try (ThriftAdminClient admin =
        ThriftAdminClient.connect("127.0.0.1:" + node.port(), java.time.Duration.ofSeconds(5))) {
      admin.probe("default");
      admin.probe("default"); // again: the first one left nothing behind that gets in the way
      assertThatThrownBy(() -> admin.probe("nope"))
          .isInstanceOf(io.dynamokv.core.StoreNotFoundException.class);
    }
    byte[] probeKey = io.dynamokv.core.node.ServingProbe.key(io.dynamokv.core.NodeId.of("solo"));
    try (ThriftTestNode.Client client = node.client()) {
      assertThat(client.get(new GetRequest("default", ByteBuffer.wrap(probeKey))).getValues())
          .as("deleted by the probe")
          .isEmpty();
      for (String key : new String[] {"\0dynamo:probe:n1", "\0dynamo:anything"}) {
        assertThatThrownBy(
                () ->
                    client.put(
                        new PutRequest(
                            "default", bytes(key), bytes("v"), ByteBuffer.wrap(new byte[0]))))
            .isInstanceOfSatisfying(
                DynamoError.class,
                e -> {
                  assertThat(e.getCode()).isEqualTo(ErrorCode.INVALID_REQUEST);
                  assertThat(e.getMessage()).contains("reserved for the system");
                });
      }
    }
  }

  /** The debugging read of the node's own copy: tombstones included, ownership said. */
  @Test
  void localReadShowsTheNodesOwnCopy() throws Exception {
    try (ThriftTestNode.Client client = node.client()) {
      client.put(new PutRequest("default", bytes("k"), bytes("v1"), ByteBuffer.wrap(new byte[0])));
      GetResponse read = client.get(new GetRequest("default", bytes("gone")));
      WriteResponse put =
          client.put(new PutRequest("default", bytes("gone"), bytes("x"), read.bufferForContext()));
      client.erase(new DeleteRequest("default", bytes("gone"), put.bufferForContext()));
    }
    try (ThriftAdminClient admin =
        ThriftAdminClient.connect("127.0.0.1:" + node.port(), Duration.ofSeconds(5))) {
      ThriftAdminClient.LocalRead k = admin.localRead("default", "k".getBytes(UTF_8));
      assertThat(k.nodeId()).isEqualTo("solo");
      assertThat(k.owner()).isTrue();
      assertThat(k.owners()).containsExactly("solo");
      assertThat(k.ringVersion()).isPositive();
      assertThat(k.liveValues()).extracting(v -> new String(v, UTF_8)).containsExactly("v1");

      ThriftAdminClient.LocalRead gone = admin.localRead("default", "gone".getBytes(UTF_8));
      assertThat(gone.versions())
          .singleElement()
          .matches(ThriftAdminClient.LocalVersion::tombstone);
      assertThat(gone.liveValues()).isEmpty();
      assertThat(admin.localRead("default", "absent".getBytes(UTF_8)).versions()).isEmpty();

      assertThatThrownBy(() -> admin.localRead("nope", "k".getBytes(UTF_8)))
          .isInstanceOf(StoreNotFoundException.class);
      assertThatThrownBy(() -> admin.localRead("default", new byte[0]))
          .isInstanceOf(InvalidRequestException.class)
          .hasMessageContaining("empty");
    }
  }

  private static ByteBuffer bytes(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }
}
