/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.bench;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.coordination.CoordinationMessage.ReplicaWrite;
import io.dynamokv.core.coordination.CoordinationMessage.ReplicaWriteReply;
import io.dynamokv.core.node.DynamoNode;
import io.dynamokv.core.security.SecureChannel;
import io.dynamokv.transport.thrift.Channels;
import io.dynamokv.transport.thrift.WireLimits;
import io.dynamokv.transport.thrift.gen.PeerEnvelope;
import io.dynamokv.transport.thrift.gen.PeerResponse;
import io.dynamokv.transport.thrift.peer.PeerFrames;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.thrift.TDeserializer;
import org.apache.thrift.TException;
import org.apache.thrift.TSerializer;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The CPU cost per peer call of the authenticated channel alone, without sockets or threads: what
 * {@link PeerPathBenchmark} cannot resolve on a loaded machine (a few microseconds against its
 * run-to-run spread).
 *
 * <p>The messages are those of {@link PeerPathBenchmark}: the request is the serialized {@link
 * PeerEnvelope} node A's transport sends for a {@link ReplicaWrite} with a 16-byte key and {@code
 * payload} bytes of random siblings, the reply the serialized {@link PeerResponse} of a {@link
 * ReplicaWriteReply} (a few bytes). Both are prepared at setup with {@link Channels#serializer()}.
 *
 * <ul>
 *   <li>{@code macs}: one round trip's channel work on one connection, as the transport does it:
 *       client {@code nextSequence} + {@code sealRequest}, server {@code openRequest}, server
 *       {@code sealReply}, client {@code openReply}; four HMAC-SHA256 (two over the request, two
 *       over the reply) plus the sequence checks and the {@code synchronized} methods. Both ends
 *       come from {@link SecureChannel#client}/{@link SecureChannel#server} with a fixed key and
 *       nonces (the handshake is not measured: it happens once per pooled connection).
 *   <li>{@code serialization}, the reference: serializing the request envelope with {@link
 *       Channels#serializer()} and deserializing it with {@link Channels#deserializer} (the
 *       transport's limits), then the same for the reply. Sealing makes each end encode a message
 *       into its own byte array (the MAC needs the bytes) and the other end decode it from one:
 *       this is that work for one round trip. It is an upper bound of what sealing adds in
 *       serialization, since the encoding and decoding themselves were done before too, directly on
 *       the frame.
 *   <li>{@code copy}, the floor: one {@code System.arraycopy} of {@code payload} bytes.
 * </ul>
 *
 * <p>Run (about 3 minutes): {@code java -jar dynamo-bench/target/benchmarks.jar
 * SecureChannelBenchmark -rf json -rff secure-channel.json} (2 forks × 5 × 1 s warm-up and 5 × 1 s
 * measurement by default).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(2)
@Warmup(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
@State(Scope.Thread)
public class SecureChannelBenchmark {
  @Param({"100", "1024"})
  public int payload;

  SecureChannel client;
  SecureChannel server;
  byte[] request;
  byte[] reply;
  PeerEnvelope envelope;
  PeerResponse response;
  TSerializer serializer;
  TDeserializer deserializer;
  byte[] source;
  byte[] target;

  @Setup(Level.Trial)
  public void setUp() throws TException {
    byte[] siblings = new byte[payload];
    new SplittableRandom(7).nextBytes(siblings);
    byte[] key = "bench-key-000000".getBytes(StandardCharsets.UTF_8);
    NodeId a = PeerPathBenchmark.A;
    NodeId b = PeerPathBenchmark.B;
    envelope =
        new PeerEnvelope(
            a.value(),
            b.value(),
            PeerFrames.request(
                DynamoNode.PROTOCOLS, new ReplicaWrite(PeerPathBenchmark.STORE, key, siblings)));
    response = PeerFrames.response(DynamoNode.PROTOCOLS, PeerPathBenchmark.REPLY);
    serializer = Channels.serializer();
    deserializer = Channels.deserializer(WireLimits.DEFAULT_MAX_FRAME_BYTES, 100_000);
    request = serializer.serialize(envelope);
    reply = serializer.serialize(response);

    byte[] roleKey = new byte[32];
    Arrays.fill(roleKey, (byte) 0x5a);
    byte[] clientNonce = new byte[SecureChannel.NONCE_BYTES];
    Arrays.fill(clientNonce, (byte) 1);
    byte[] serverNonce = new byte[SecureChannel.NONCE_BYTES];
    Arrays.fill(serverNonce, (byte) 2);
    SecureChannel.Role role = SecureChannel.Role.PEER;
    server =
        SecureChannel.server(
            role, roleKey.clone(), a.value(), b.value(), clientNonce.clone(), serverNonce.clone());
    client =
        SecureChannel.client(
            role,
            roleKey.clone(),
            a.value(),
            b.value(),
            clientNonce.clone(),
            serverNonce.clone(),
            server.proof());

    source = siblings;
    target = new byte[payload];
  }

  @Benchmark
  public byte[] macs() {
    long sequence = client.nextSequence();
    byte[] requestMac = client.sealRequest(sequence, request);
    server.openRequest(sequence, request, requestMac);
    byte[] replyMac = server.sealReply(sequence, reply);
    client.openReply(sequence, reply, replyMac);
    return replyMac;
  }

  @Benchmark
  public void serialization(Blackhole bh) throws TException {
    byte[] requestBytes = serializer.serialize(envelope);
    PeerEnvelope decodedRequest = new PeerEnvelope();
    deserializer.deserialize(decodedRequest, requestBytes);
    bh.consume(decodedRequest);
    byte[] replyBytes = serializer.serialize(response);
    PeerResponse decodedReply = new PeerResponse();
    deserializer.deserialize(decodedReply, replyBytes);
    bh.consume(decodedReply);
  }

  @Benchmark
  public byte[] copy() {
    System.arraycopy(source, 0, target, 0, payload);
    return target;
  }
}
