/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.AuthenticationException;
import io.dynamokv.core.DynamoException;
import io.dynamokv.core.coordination.CoordinationMessage;
import io.dynamokv.core.node.DynamoNode;
import io.dynamokv.core.security.AdminToken;
import io.dynamokv.core.security.TestSecrets;
import io.dynamokv.core.version.Actor;
import io.dynamokv.core.version.Siblings;
import io.dynamokv.core.version.VectorClock;
import io.dynamokv.core.version.VersionCodec;
import io.dynamokv.core.version.Versioned;
import io.dynamokv.transport.thrift.client.ThriftAdminClient;
import io.dynamokv.transport.thrift.gen.DynamoError;
import io.dynamokv.transport.thrift.gen.DynamoService;
import io.dynamokv.transport.thrift.gen.ErrorCode;
import io.dynamokv.transport.thrift.gen.GetRequest;
import io.dynamokv.transport.thrift.gen.PeerEnvelope;
import io.dynamokv.transport.thrift.gen.PeerService;
import io.dynamokv.transport.thrift.gen.Sealed;
import io.dynamokv.transport.thrift.peer.PeerFrames;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Base64;
import org.apache.thrift.TApplicationException;
import org.apache.thrift.protocol.TCompactProtocol;
import org.apache.thrift.transport.TSocket;
import org.apache.thrift.transport.layered.TFramedTransport;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The node's doors (issue 17), on real sockets: peer messages only on an authenticated channel of
 * the peer port, never replayed or altered; admin commands only with the admin token; neither port
 * answers the other's methods; idle connections are closed.
 */
class PeerDoorTest {
  private static final byte[] KEY = "door-key".getBytes(UTF_8);

  private ThriftTestNode node;

  @BeforeEach
  void start() {
    node =
        ThriftTestNode.start(
            b -> b.idleTimeout(Duration.ofMillis(800)).shutdownGrace(Duration.ZERO));
  }

  @AfterEach
  void stop() {
    node.close();
  }

  /** An envelope from "peer" that would store a value for {@link #KEY} if the node ran it. */
  private static byte[] replicaWrite(String value) {
    Siblings one =
        Siblings.empty()
            .update(
                VectorClock.empty(), Versioned.of(value.getBytes(UTF_8), 1), Actor.of("peer", 1));
    PeerEnvelope envelope =
        new PeerEnvelope(
            "peer",
            "solo",
            PeerFrames.request(
                DynamoNode.PROTOCOLS,
                new CoordinationMessage.ReplicaWrite(
                    ThriftTestNode.STORE, KEY, VersionCodec.encode(one))));
    return PeerChannel.written(envelope::write);
  }

  private int storedValues() throws Exception {
    try (ThriftTestNode.Client client = node.client()) {
      return client.get(new GetRequest(ThriftTestNode.STORE, ByteBuffer.wrap(KEY))).getValuesSize();
    }
  }

  @Test
  void aWriteOnAChannelIsStored() throws Exception {
    try (PeerChannel channel =
        PeerChannel.open(node.peerPort(), TestSecrets.CLUSTER, "peer", "solo")) {
      assertThat((Object) channel.send(replicaWrite("sealed")).getError()).isNull();
    }
    assertThat(storedValues()).isEqualTo(1); // the control: the refusals below are meaningful
  }

  @Test
  void anExchangeWithoutAHandshakeIsRefusedAndReachesNothing() throws Exception {
    PeerService.Client plain = PeerChannel.plain(node.peerPort());
    byte[] payload = replicaWrite("unsealed");
    Sealed forged = new Sealed(1, ByteBuffer.wrap(payload), ByteBuffer.allocate(32));

    assertThatThrownBy(() -> plain.exchange(forged))
        .isInstanceOfSatisfying(
            DynamoError.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(ErrorCode.UNAUTHENTICATED);
              assertThat(e.getMessage()).contains("no channel");
            });
    plain.getInputProtocol().getTransport().close();
    assertThat(storedValues()).isZero();
    assertThat(node.peers().refusedChannels()).isEqualTo(1);
  }

  @Test
  void aReplayedRequestIsRefusedAndTheChannelRefusesEverythingAfter() throws Exception {
    try (PeerChannel channel =
        PeerChannel.open(node.peerPort(), TestSecrets.CLUSTER, "peer", "solo")) {
      Sealed first = channel.seal(replicaWrite("once"));
      channel.client.exchange(first);
      assertThat(storedValues()).isEqualTo(1);

      assertThatThrownBy(() -> channel.client.exchange(first))
          .isInstanceOfSatisfying(
              DynamoError.class,
              e -> {
                assertThat(e.getCode()).isEqualTo(ErrorCode.UNAUTHENTICATED);
                assertThat(e.getMessage()).contains("out of sequence");
              });
      // Even a well-sealed next request: the channel is broken for good.
      assertThatThrownBy(() -> channel.client.exchange(channel.seal(replicaWrite("after"))))
          .isInstanceOfSatisfying(
              DynamoError.class, e -> assertThat(e.getCode()).isEqualTo(ErrorCode.UNAUTHENTICATED));
    }
    assertThat(storedValues()).isEqualTo(1);
  }

  @Test
  void anAlteredRequestIsRefusedAndReachesNothing() throws Exception {
    try (PeerChannel channel =
        PeerChannel.open(node.peerPort(), TestSecrets.CLUSTER, "peer", "solo")) {
      Sealed sealed = channel.seal(replicaWrite("original"));
      byte[] payload = sealed.getPayload();
      payload[payload.length - 2] ^= 1; // inside the sibling's value
      Sealed altered =
          new Sealed(sealed.getSequence(), ByteBuffer.wrap(payload), sealed.bufferForMac());

      assertThatThrownBy(() -> channel.client.exchange(altered))
          .isInstanceOfSatisfying(
              DynamoError.class,
              e -> {
                assertThat(e.getCode()).isEqualTo(ErrorCode.UNAUTHENTICATED);
                assertThat(e.getMessage()).contains("wrong MAC");
              });
    }
    assertThat(storedValues()).isZero();
  }

  @Test
  void aRequestCapturedOnOneConnectionIsWorthlessOnAnother() throws Exception {
    Sealed captured;
    try (PeerChannel first =
        PeerChannel.open(node.peerPort(), TestSecrets.CLUSTER, "peer", "solo")) {
      captured = first.seal(replicaWrite("captured"));
    } // never sent on its own connection
    try (PeerChannel second =
        PeerChannel.open(node.peerPort(), TestSecrets.CLUSTER, "peer", "solo")) {
      assertThatThrownBy(() -> second.client.exchange(captured))
          .isInstanceOfSatisfying(
              DynamoError.class,
              e -> {
                assertThat(e.getCode()).isEqualTo(ErrorCode.UNAUTHENTICATED);
                assertThat(e.getMessage()).contains("wrong MAC");
              });
    }
    assertThat(storedValues()).isZero();
  }

  @Test
  void aNodeSpeaksForItselfOnly() throws Exception {
    try (PeerChannel channel =
        PeerChannel.open(node.peerPort(), TestSecrets.CLUSTER, "mallory", "solo")) {
      PeerChannel.Reply reply = channel.send(replicaWrite("as peer")); // the envelope says "peer"
      assertThat((Object) reply.getError()).isNull();
      assertThat(PeerFrames.decode(DynamoNode.PROTOCOLS, reply.getSuccess()).toString())
          .contains("a node speaks for itself only");
    }
    assertThat(storedValues()).isZero();
  }

  @Test
  void neitherPortAnswersTheOtherPortsMethods() throws Exception {
    // Peer methods on the client port.
    try (TSocket socket = new TSocket("127.0.0.1", node.port(), 5_000)) {
      socket.open();
      PeerService.Client onClientPort =
          new PeerService.Client(new TCompactProtocol(new TFramedTransport(socket)));
      assertThatThrownBy(
              () ->
                  onClientPort.exchange(
                      new Sealed(1, ByteBuffer.allocate(1), ByteBuffer.allocate(32))))
          .isInstanceOfSatisfying(
              TApplicationException.class,
              e -> assertThat(e.getType()).isEqualTo(TApplicationException.UNKNOWN_METHOD));
    }
    // Client methods on the peer port.
    try (TSocket socket = new TSocket("127.0.0.1", node.peerPort(), 5_000)) {
      socket.open();
      DynamoService.Client onPeerPort =
          new DynamoService.Client(new TCompactProtocol(new TFramedTransport(socket)));
      assertThatThrownBy(onPeerPort::status)
          .isInstanceOfSatisfying(
              TApplicationException.class,
              e -> assertThat(e.getType()).isEqualTo(TApplicationException.UNKNOWN_METHOD));
    }
  }

  @Test
  void adminCommandsNeedTheAdminToken() {
    String at = "127.0.0.1:" + node.port();
    AdminToken right = AdminToken.of(TestSecrets.CLUSTER);
    AdminToken otherCluster = AdminToken.of(TestSecrets.of("another cluster's secret, 32 b!!"));
    byte[] forgedBody = new byte[36];
    ByteBuffer.wrap(forgedBody).putInt(right.keyId()); // the right key id, a key of zeros
    AdminToken forged =
        AdminToken.parse(
            AdminToken.PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(forgedBody));

    // Membership loads its state (with this node's own peer address, which admin clients ask for)
    // on the node's scheduler after start returns.
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> node.node().membership().view().members().containsKey(node.node().id()));
    try (ThriftAdminClient admin = ThriftAdminClient.connect(at, Duration.ofSeconds(5))) {
      assertThatThrownBy(() -> admin.remove(otherCluster, "ghost"))
          .isInstanceOf(AuthenticationException.class)
          .hasMessageContaining("is not one of this node's cluster secrets");
      assertThatThrownBy(() -> admin.remove(forged, "ghost"))
          .isInstanceOf(AuthenticationException.class);
      // With the token, the command runs: here it fails on its own terms, not for the credential.
      assertThatThrownBy(() -> admin.remove(right, "ghost"))
          .isInstanceOf(DynamoException.class)
          .isNotInstanceOf(AuthenticationException.class)
          .hasMessageContaining("ghost");
    }
    // A peer channel (the cluster secret's peer key) is not an admin channel.
    assertThat(node.peers().refusedChannels()).isGreaterThanOrEqualTo(1);
  }

  @Test
  void idleConnectionsAreClosedOnBothPorts() throws Exception {
    for (int port : new int[] {node.port(), node.peerPort()}) {
      try (Socket idle = new Socket()) {
        idle.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        idle.setSoTimeout(10_000);
        long start = System.nanoTime();
        assertThat(idle.getInputStream().read()).as("end of stream").isEqualTo(-1);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(9));
      } catch (IOException e) {
        // A reset is as good as an end of stream: the server closed it.
        assertThat(e.getMessage()).containsIgnoringCase("reset");
      }
    }
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> node.server().idleConnections() >= 1);
    assertThat(node.peerServer().idleConnections()).isGreaterThanOrEqualTo(1);
  }
}
