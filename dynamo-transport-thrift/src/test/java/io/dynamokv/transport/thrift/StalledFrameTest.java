/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift;

import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.transport.thrift.gen.DynamoService;
import io.dynamokv.transport.thrift.gen.GetRequest;
import io.dynamokv.transport.thrift.gen.GetResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Clients that announce a large frame and stall hold the server's read-buffer budget; without a
 * frame read timeout a few of them starve every other client. The server cuts them after {@code
 * frameReadTimeout} and keeps serving.
 */
@Timeout(60)
class StalledFrameTest {
  private static final int MAX_FRAME = 64 * 1024;
  private static final Duration FRAME_READ_TIMEOUT = Duration.ofMillis(500);

  private ThriftTestNode node;

  @BeforeEach
  void start() {
    node =
        ThriftTestNode.start(
            b ->
                b.maxFrameBytes(MAX_FRAME)
                    .maxReadBufferBytes(2L * MAX_FRAME)
                    .frameReadTimeout(FRAME_READ_TIMEOUT));
  }

  @AfterEach
  void stop() {
    node.close();
  }

  @Test
  void stalledFramesAreClosedAndOtherClientsAreServed() throws Exception {
    List<RawConnection> stalled = new ArrayList<>();
    try {
      // Two frames of nearly MAX_FRAME bytes take the whole read-buffer budget, then stall.
      for (int i = 0; i < 2; i++) {
        RawConnection c = RawConnection.open(node.port());
        c.send(RawConnection.header(MAX_FRAME - 8));
        c.send(new byte[10]);
        stalled.add(c);
      }
      // A well-behaved request needs budget the stalled frames hold until they are cut.
      try (ThriftTestNode.Client client = node.client()) {
        GetResponse answer = client.get(new GetRequest(ThriftTestNode.STORE, utf8("some-key")));
        assertThat(answer.getValues()).isEmpty();
      }
      for (RawConnection c : stalled) {
        assertThat(c.closedWithin(Duration.ofSeconds(5))).as("a stalled connection").isTrue();
      }
      assertThat(node.server().stalledConnections()).isEqualTo(2);
      Awaitility.await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> node.server().openConnections() == 0);
    } finally {
      for (RawConnection c : stalled) {
        c.close();
      }
    }
  }

  @Test
  void aSlowFrameThatCompletesInTimeIsServed() throws Exception {
    byte[] frame =
        RawConnection.framed(
            RawConnection.call(
                "get",
                1,
                new DynamoService.get_args(new GetRequest(ThriftTestNode.STORE, utf8("k")))));
    try (RawConnection c = RawConnection.open(node.port())) {
      int half = frame.length / 2;
      c.send(Arrays.copyOfRange(frame, 0, half));
      // The client is slow on purpose: half the timeout spans at least one sweep of the server.
      Awaitility.await()
          .pollDelay(FRAME_READ_TIMEOUT.dividedBy(2))
          .atMost(FRAME_READ_TIMEOUT)
          .until(() -> true);
      c.send(Arrays.copyOfRange(frame, half, frame.length));
      DynamoService.get_result result = new DynamoService.get_result();
      assertThat(RawConnection.decodeReply(c.readFrame(Duration.ofSeconds(5)), result)).isEmpty();
      assertThat(result.isSetSuccess()).isTrue();
    }
    assertThat(node.server().stalledConnections()).isZero();
  }

  private static ByteBuffer utf8(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }
}
