/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.security;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.AuthenticationException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SecureChannelTest {
  private static final byte[] KEY = TestSecrets.CLUSTER.derive(ClusterSecret.PEERS).key(0);
  private static final byte[] OTHER_KEY =
      TestSecrets.of("another cluster's secret, 32 b!!").derive(ClusterSecret.PEERS).key(0);
  private static final byte[] CLIENT_NONCE = nonce(1);
  private static final byte[] SERVER_NONCE = nonce(2);

  private static byte[] nonce(int seed) {
    byte[] n = new byte[SecureChannel.NONCE_BYTES];
    Arrays.fill(n, (byte) seed);
    return n;
  }

  private static SecureChannel server() {
    return SecureChannel.server(
        SecureChannel.Role.PEER, KEY.clone(), "a", "b", CLIENT_NONCE, SERVER_NONCE);
  }

  private static SecureChannel client(SecureChannel server) {
    return SecureChannel.client(
        SecureChannel.Role.PEER, KEY.clone(), "a", "b", CLIENT_NONCE, SERVER_NONCE, server.proof());
  }

  @Test
  void requestsAndRepliesRoundTripInSequence() {
    SecureChannel server = server();
    SecureChannel client = client(server);
    for (int i = 1; i <= 3; i++) {
      byte[] payload = ("request " + i).getBytes(UTF_8);
      long seq = client.nextSequence();
      assertThat(seq).isEqualTo(i);
      server.openRequest(seq, payload, client.sealRequest(seq, payload));
      byte[] reply = ("reply " + i).getBytes(UTF_8);
      client.openReply(seq, reply, server.sealReply(seq, reply));
    }
  }

  @Test
  void aServerWithoutTheKeyCannotProveIt() {
    SecureChannel impostor =
        SecureChannel.server(
            SecureChannel.Role.PEER, OTHER_KEY.clone(), "a", "b", CLIENT_NONCE, SERVER_NONCE);
    assertThatThrownBy(() -> client(impostor))
        .isInstanceOf(AuthenticationException.class)
        .hasMessageContaining("could not prove");
  }

  @Test
  void theKeyBindsRoleNamesAndBothNonces() {
    byte[] proof = server().proof();
    assertThat(
            SecureChannel.server(
                    SecureChannel.Role.ADMIN, KEY.clone(), "a", "b", CLIENT_NONCE, SERVER_NONCE)
                .proof())
        .isNotEqualTo(proof);
    assertThat(
            SecureChannel.server(
                    SecureChannel.Role.PEER, KEY.clone(), "c", "b", CLIENT_NONCE, SERVER_NONCE)
                .proof())
        .isNotEqualTo(proof);
    assertThat(
            SecureChannel.server(
                    SecureChannel.Role.PEER, KEY.clone(), "a", "b", CLIENT_NONCE, nonce(3))
                .proof())
        .isNotEqualTo(proof);
    // "ab" + "" must not equal "a" + "b": names are length-prefixed.
    assertThat(
            SecureChannel.server(
                    SecureChannel.Role.PEER, KEY.clone(), "ab", "x", CLIENT_NONCE, SERVER_NONCE)
                .proof())
        .isNotEqualTo(
            SecureChannel.server(
                    SecureChannel.Role.PEER, KEY.clone(), "a", "bx", CLIENT_NONCE, SERVER_NONCE)
                .proof());
  }

  @Test
  void aReplayedRequestIsRefusedAndBreaksTheChannel() {
    SecureChannel server = server();
    SecureChannel client = client(server);
    byte[] payload = "once".getBytes(UTF_8);
    long seq = client.nextSequence();
    byte[] mac = client.sealRequest(seq, payload);
    server.openRequest(seq, payload, mac);

    assertThatThrownBy(() -> server.openRequest(seq, payload, mac))
        .isInstanceOf(AuthenticationException.class)
        .hasMessageContaining("out of sequence");
    assertThat(server.isBroken()).isTrue();
    long next = client.nextSequence();
    byte[] good = client.sealRequest(next, payload);
    assertThatThrownBy(() -> server.openRequest(next, payload, good))
        .isInstanceOf(AuthenticationException.class)
        .hasMessageContaining("refused a message before");
  }

  @Test
  void aSkippedRequestIsRefused() {
    SecureChannel server = server();
    SecureChannel client = client(server);
    client.nextSequence(); // lost on the way
    long second = client.nextSequence();
    byte[] payload = "second".getBytes(UTF_8);
    assertThatThrownBy(
            () -> server.openRequest(second, payload, client.sealRequest(second, payload)))
        .isInstanceOf(AuthenticationException.class)
        .hasMessageContaining("expected 1");
  }

  @Test
  void anAlteredRequestOrReplyIsRefused() {
    SecureChannel server = server();
    SecureChannel client = client(server);
    byte[] payload = "pay 10".getBytes(UTF_8);
    long seq = client.nextSequence();
    byte[] mac = client.sealRequest(seq, payload);
    byte[] altered = "pay 99".getBytes(UTF_8);
    assertThatThrownBy(() -> server.openRequest(seq, altered, mac))
        .isInstanceOf(AuthenticationException.class)
        .hasMessageContaining("wrong MAC");

    SecureChannel server2 = server();
    SecureChannel client2 = client(server2);
    long s2 = client2.nextSequence();
    server2.openRequest(s2, payload, client2.sealRequest(s2, payload));
    byte[] reply = "ok".getBytes(UTF_8);
    byte[] replyMac = server2.sealReply(s2, reply);
    assertThatThrownBy(() -> client2.openReply(s2, "no".getBytes(UTF_8), replyMac))
        .isInstanceOf(AuthenticationException.class);
    assertThat(client2.isBroken()).isTrue();
  }

  @Test
  void aRequestsMacIsNotAValidReplyMac() {
    SecureChannel server = server();
    SecureChannel client = client(server);
    byte[] payload = "mirror".getBytes(UTF_8);
    long seq = client.nextSequence();
    byte[] requestMac = client.sealRequest(seq, payload);
    assertThatThrownBy(() -> client.openReply(seq, payload, requestMac))
        .isInstanceOf(AuthenticationException.class);
  }

  @Test
  void aReplyIsAcceptedOnceAndSealedOnlyForAnAcceptedRequest() {
    SecureChannel server = server();
    SecureChannel client = client(server);
    assertThatThrownBy(() -> server.sealReply(1, new byte[0]))
        .isInstanceOf(IllegalStateException.class);
    byte[] payload = "req".getBytes(UTF_8);
    long seq = client.nextSequence();
    server.openRequest(seq, payload, client.sealRequest(seq, payload));
    assertThatThrownBy(() -> server.sealReply(seq + 1, new byte[0]))
        .isInstanceOf(IllegalStateException.class);
    byte[] reply = "rep".getBytes(UTF_8);
    byte[] mac = server.sealReply(seq, reply);
    client.openReply(seq, reply, mac);
    assertThatThrownBy(() -> client.openReply(seq, reply, mac))
        .isInstanceOf(AuthenticationException.class)
        .hasMessageContaining("second reply");
  }

  @Test
  void requestsInFlightTogetherAreAnsweredInAnyOrderEachOnce() {
    SecureChannel server = server();
    SecureChannel client = client(server);
    long[] seqs = new long[3];
    for (int i = 0; i < 3; i++) {
      byte[] payload = ("req" + i).getBytes(UTF_8);
      seqs[i] = client.nextSequence();
      server.openRequest(seqs[i], payload, client.sealRequest(seqs[i], payload));
    }
    byte[][] macs = new byte[3][];
    for (int i = 2; i >= 0; i--) {
      macs[i] = server.sealReply(seqs[i], ("rep" + i).getBytes(UTF_8));
    }
    client.openReply(seqs[2], "rep2".getBytes(UTF_8), macs[2]);
    client.openReply(seqs[0], "rep0".getBytes(UTF_8), macs[0]);
    client.forget(seqs[1]); // answered with an (unsealed) error instead
    assertThatThrownBy(() -> client.openReply(seqs[1], "rep1".getBytes(UTF_8), macs[1]))
        .isInstanceOf(AuthenticationException.class)
        .hasMessageContaining("second reply");
    assertThat(client.isBroken()).isTrue();
  }

  @Test
  void aReplyToARequestNeverSentIsRefused() {
    SecureChannel server = server();
    SecureChannel client = client(server);
    byte[] payload = "req".getBytes(UTF_8);
    long seq = client.nextSequence();
    server.openRequest(seq, payload, client.sealRequest(seq, payload));
    assertThatThrownBy(() -> client.openReply(seq + 1, payload, new byte[32]))
        .isInstanceOf(AuthenticationException.class)
        .hasMessageContaining("never sent");
    assertThat(client.isBroken()).isTrue();
  }

  @Test
  void malformedHandshakesAreRefused() {
    assertThatThrownBy(
            () ->
                SecureChannel.server(
                    SecureChannel.Role.PEER, KEY.clone(), "a", "b", new byte[5], SERVER_NONCE))
        .isInstanceOf(AuthenticationException.class)
        .hasMessageContaining("32 bytes");
    assertThatThrownBy(
            () ->
                SecureChannel.server(
                    SecureChannel.Role.PEER, KEY.clone(), "", "b", CLIENT_NONCE, SERVER_NONCE))
        .isInstanceOf(AuthenticationException.class);
    assertThatThrownBy(() -> SecureChannel.Role.of("root"))
        .isInstanceOf(AuthenticationException.class)
        .hasMessageContaining("unknown role");
  }

  @Test
  void anAdminTokenRoundTripsHidesItsKeyAndIsTheSecretsAdminKey() {
    AdminToken token = AdminToken.of(TestSecrets.CLUSTER);
    AdminToken parsed = AdminToken.parse("  " + token.encode() + "\n");
    assertThat(parsed.keyId()).isEqualTo(TestSecrets.CLUSTER.signingKeyId());
    assertThat(parsed.key()).isEqualTo(TestSecrets.CLUSTER.derive(ClusterSecret.ADMIN).key(0));
    assertThat(parsed.key()).isNotEqualTo(TestSecrets.CLUSTER.derive(ClusterSecret.PEERS).key(0));
    assertThat(token.toString())
        .doesNotContain(token.encode().substring(AdminToken.PREFIX.length()));
    assertThatThrownBy(() -> AdminToken.parse("hunter2"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("should start with")
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> AdminToken.parse(AdminToken.PREFIX + "AAAA"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("3 bytes");
  }
}
