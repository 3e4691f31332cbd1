/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift;

import io.dynamokv.core.FailureCode;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.coordination.CoordinationCodec;
import io.dynamokv.core.coordination.CoordinationMessage;
import io.dynamokv.core.membership.GossipMessage;
import io.dynamokv.core.membership.MembershipCodec;
import io.dynamokv.core.membership.VersionStamp;
import io.dynamokv.core.security.TestSecrets;
import io.dynamokv.core.version.Actor;
import io.dynamokv.core.version.ContextSigner;
import io.dynamokv.core.version.Siblings;
import io.dynamokv.core.version.VectorClock;
import io.dynamokv.core.version.VersionCodec;
import io.dynamokv.core.version.Versioned;
import io.dynamokv.core.wire.Failure;
import io.dynamokv.core.wire.PeerProtocols;
import io.dynamokv.transport.thrift.gen.PeerEnvelope;
import io.dynamokv.transport.thrift.gen.PeerFrame;
import io.dynamokv.transport.thrift.gen.PeerRequest;
import io.dynamokv.transport.thrift.gen.PeerService;
import io.dynamokv.transport.thrift.gen.Sealed;
import io.dynamokv.transport.thrift.peer.PeerFrames;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.thrift.protocol.TField;
import org.apache.thrift.protocol.TStruct;
import org.apache.thrift.protocol.TType;

/**
 * Writes the saved peer-exchange inputs of {@link ThriftRequestFuzzTest} (frame payloads without
 * the 4-byte length): each coordination and membership message a node receives, as the frame of its
 * protocol in a sealed exchange, and one hostile frame per check of {@link PeerFrames} and the
 * codecs. Run it after a change of the IDL or of a peer protocol's format:
 *
 * <pre>
 * mvn -pl dynamo-transport-thrift -am test-compile
 * java -cp "$(cat cp.txt)" io.dynamokv.transport.thrift.ThriftFuzzInputs \
 *   dynamo-transport-thrift/src/test/resources/io/dynamokv/transport/thrift/ThriftRequestFuzzTestInputs/decodeRequest
 * </pre>
 *
 * (with the module's test class path in {@code cp.txt}, from {@code mvn
 * dependency:build-classpath}). Other saved inputs (client requests, {@code found-*}) are not
 * written here; keep them.
 */
final class ThriftFuzzInputs {
  private static final byte[] KEY = "k".getBytes(StandardCharsets.UTF_8);

  private ThriftFuzzInputs() {}

  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[0]);
    Files.createDirectories(dir);
    for (Map.Entry<String, byte[]> e : inputs().entrySet()) {
      Files.write(dir.resolve(e.getKey()), e.getValue());
    }
  }

  static Map<String, byte[]> inputs() {
    Map<String, byte[]> in = new LinkedHashMap<>();
    String store = ThriftTestNode.STORE;
    Siblings one =
        Siblings.empty()
            .update(
                VectorClock.empty(),
                Versioned.of("v".getBytes(StandardCharsets.UTF_8), 1),
                Actor.of("peer", 1));
    in.put(
        "valid-exchange-replica-read",
        coordination(new CoordinationMessage.ReplicaRead(store, KEY)));
    in.put(
        "valid-exchange-replica-write",
        coordination(new CoordinationMessage.ReplicaWrite(store, KEY, VersionCodec.encode(one))));
    byte[] context = new ContextSigner(TestSecrets.CLUSTER).sign(store, KEY, VectorClock.empty());
    in.put(
        "valid-exchange-forwarded-write",
        coordination(
            new CoordinationMessage.ForwardedWrite(
                7, store, KEY, "v".getBytes(StandardCharsets.UTF_8), false, context, 1, 1000)));
    TreeMap<NodeId, VersionStamp> digests = new TreeMap<>();
    digests.put(NodeId.of("peer"), new VersionStamp(1, 1));
    in.put(
        "valid-exchange-gossip-syn",
        frame(
            MembershipCodec.PROTOCOL.id(),
            MembershipCodec.encode(new GossipMessage.Syn(digests, 0, null, new TreeMap<>()))));

    in.put(
        "exchange-bad-gossip",
        frame(MembershipCodec.PROTOCOL.id(), "not gossip".getBytes(StandardCharsets.UTF_8)));
    in.put(
        "exchange-replica-write-bad-siblings",
        coordination(
            new CoordinationMessage.ReplicaWrite(
                store, KEY, "not a sibling set".getBytes(StandardCharsets.UTF_8))));
    in.put("exchange-unknown-protocol", frame(99, new byte[] {1, 1}));
    in.put(
        "exchange-failure-as-a-request",
        frame(
            Failure.ID,
            Failure.PROTOCOL.encode(new Failure(FailureCode.INTERNAL, "not a request", 0, 0))));
    in.put("exchange-failure-unknown-code", frame(Failure.ID, new byte[] {1, 99, 0, 0, 0}));
    byte[] newer =
        CoordinationCodec.PROTOCOL.encode(new CoordinationMessage.ReplicaRead(store, KEY));
    newer[0] = (byte) (CoordinationCodec.PROTOCOL.format().newest() + 1);
    in.put("exchange-coordination-format-from-the-future", frame(3, newer));
    byte[] truncated =
        CoordinationCodec.PROTOCOL.encode(new CoordinationMessage.ReplicaRead(store, KEY));
    in.put(
        "exchange-coordination-truncated",
        frame(3, java.util.Arrays.copyOf(truncated, truncated.length - 1)));
    in.put("exchange-coordination-unknown-tag", frame(3, new byte[] {1, 99}));
    in.put(
        "exchange-frame-without-message",
        sealed(
            PeerChannel.written(
                p -> {
                  RawConnection.openEnvelopeFrame(p, "peer", "solo");
                  p.writeStructBegin(new TStruct("PeerFrame"));
                  p.writeFieldBegin(new TField("protocol", TType.I32, (short) 1));
                  p.writeI32(3);
                  p.writeFieldEnd();
                  p.writeFieldStop();
                  p.writeStructEnd();
                  p.writeFieldEnd();
                  p.writeFieldStop();
                  p.writeStructEnd();
                  p.writeFieldEnd();
                  p.writeFieldStop();
                  p.writeStructEnd();
                })));
    return in;
  }

  private static byte[] coordination(CoordinationMessage message) {
    PeerProtocols.Frame f =
        PeerProtocols.of(CoordinationCodec.PROTOCOL, MembershipCodec.PROTOCOL).encode(message);
    return frame(f.protocol(), f.bytes());
  }

  private static byte[] frame(int protocol, byte[] message) {
    PeerEnvelope envelope =
        new PeerEnvelope(
            "peer", "solo", PeerRequest.frame(new PeerFrame(protocol, ByteBuffer.wrap(message))));
    return sealed(PeerChannel.written(envelope::write));
  }

  /** An exchange of {@code payload} as a channel's first request (its MAC is not checked here). */
  private static byte[] sealed(byte[] payload) {
    Sealed request = new Sealed(1, ByteBuffer.wrap(payload), ByteBuffer.allocate(32));
    return RawConnection.call("exchange", 1, new PeerService.exchange_args(request));
  }
}
