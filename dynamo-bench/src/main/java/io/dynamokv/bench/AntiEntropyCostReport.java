/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.bench;

import io.dynamokv.core.merkle.AntiEntropyCost;
import io.dynamokv.core.merkle.AntiEntropyMessage;
import io.dynamokv.core.merkle.KeyDigest;
import io.dynamokv.core.node.DynamoNode;
import io.dynamokv.core.security.SecureChannel;
import io.dynamokv.transport.thrift.Channels;
import io.dynamokv.transport.thrift.gen.PeerEnvelope;
import io.dynamokv.transport.thrift.gen.PeerService;
import io.dynamokv.transport.thrift.gen.Sealed;
import io.dynamokv.transport.thrift.peer.PeerFrames;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.thrift.TBase;
import org.apache.thrift.TException;
import org.apache.thrift.TSerializer;
import org.apache.thrift.protocol.TCompactProtocol;
import org.apache.thrift.protocol.TMessage;
import org.apache.thrift.protocol.TMessageType;
import org.apache.thrift.transport.TMemoryBuffer;

/**
 * The anti-entropy cost table of issue 19 at full size: two replicas of 1,000,000 keys with
 * 100-byte values over Q partitions, differing in 0, 100 and 10,000 keys, exchanged with {@link
 * AntiEntropyCost} (dynamo-core's harness, from its test-jar: in-memory replicas, every message
 * through the real anti-entropy codec, A initiating every partition). Prints a markdown table:
 * payload bytes (the codec's bytes, both ways), framing bytes, the floor {@code Q·h +
 * k·⌈log2(M/Q)⌉·h + the k keys + both sides' sets} with h = {@value KeyDigest#BYTES} bytes, the
 * payload over the floor, a full copy's bytes, round trips and the time to converge.
 *
 * <p><b>Framing</b> is measured, not estimated: every message of every exchange is serialized as
 * the Thrift peer transport sends it, with the generated classes: a request is the frame length (4
 * bytes, {@code TFramedTransport}), the {@code TCompactProtocol} message header of {@code
 * PeerService.exchange}, its arguments: a {@link Sealed} (sequence, MAC of {@value
 * SecureChannel#MAC_BYTES} bytes) whose payload is the {@link PeerEnvelope} (sender {@value
 * #SENDER}, target {@value #TARGET}) around the {@code PeerFrame} of the message; a reply the same
 * with the {@code PeerResponse} frame in the call's result. Framing = that size minus the codec
 * bytes. Not counted: the channel's handshake (once per connection) and TCP/IP headers. Time to
 * converge includes that serialization (no network, one thread).
 *
 * <p>Run: {@code java --add-opens java.base/java.nio=ALL-UNNAMED --add-exports
 * java.base/sun.nio.ch=ALL-UNNAMED -cp dynamo-bench/target/benchmarks.jar
 * io.dynamokv.bench.AntiEntropyCostReport [keys [Q [runs [seed]]]]} (defaults 1000000 256 3 1: Q =
 * the nodes' default partition count); each case is run {@code runs} times with seeds {@code seed,
 * seed+1, ...}: bytes vary a little with the seed, and the time column is the median.
 */
public final class AntiEntropyCostReport {
  static final String SENDER = "node-a";
  static final String TARGET = "node-b";

  private AntiEntropyCostReport() {}

  /** The Thrift peer transport's bytes around each anti-entropy message. */
  static final class ThriftFraming implements AntiEntropyCost.Framing {
    private final TSerializer serializer = Channels.serializer();
    private final ByteBuffer mac = ByteBuffer.allocate(SecureChannel.MAC_BYTES);
    private long sequence;

    @Override
    public long bytesAround(AntiEntropyMessage message, byte[] encoded) {
      try {
        boolean request = message instanceof AntiEntropyMessage.Request;
        if (request) {
          sequence++;
        }
        TBase<?, ?> payload =
            request
                ? new PeerEnvelope(
                    SENDER, TARGET, PeerFrames.request(DynamoNode.PROTOCOLS, message))
                : PeerFrames.response(DynamoNode.PROTOCOLS, message);
        Sealed sealed =
            new Sealed(sequence, ByteBuffer.wrap(serializer.serialize(payload)), mac.duplicate());
        TMemoryBuffer buffer = new TMemoryBuffer(encoded.length + 256);
        TCompactProtocol protocol = new TCompactProtocol(buffer);
        if (request) {
          protocol.writeMessageBegin(new TMessage("exchange", TMessageType.CALL, (int) sequence));
          new PeerService.exchange_args(sealed).write(protocol);
        } else {
          protocol.writeMessageBegin(new TMessage("exchange", TMessageType.REPLY, (int) sequence));
          PeerService.exchange_result result = new PeerService.exchange_result();
          result.setSuccess(sealed);
          result.write(protocol);
        }
        protocol.writeMessageEnd();
        return Integer.BYTES + buffer.length() - encoded.length;
      } catch (TException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  public static void main(String[] args) {
    int keys = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int q = args.length > 1 ? Integer.parseInt(args[1]) : 256;
    int runs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    long seed = args.length > 3 ? Long.parseLong(args[3]) : 1;
    System.out.printf(
        "keys %,d, %d-byte values, Q %d, h = %d bytes, %d runs per case (seeds %d..%d)%n%n",
        keys, AntiEntropyCost.VALUE_BYTES, q, KeyDigest.BYTES, runs, seed, seed + runs - 1);
    System.out.println(
        "| k | payload bytes | framing bytes | floor | payload / floor | full copy | round trips"
            + " (compare + sync) | keys repaired | converged | time to converge (ms, median;"
            + " runs) |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|");
    for (int k : new int[] {0, 100, 10_000}) {
      List<AntiEntropyCost.Result> results = new ArrayList<>();
      for (int r = 0; r < runs; r++) {
        AntiEntropyCost.Result result =
            AntiEntropyCost.measure(keys, q, k, seed + r, new ThriftFraming());
        System.err.println(result.line() + "  framing " + result.framingBytes());
        results.add(result);
      }
      // Bytes of the first seed's run (the others differ by a few bytes); time: the median.
      AntiEntropyCost.Result first = results.get(0);
      long[] millis = results.stream().mapToLong(AntiEntropyCost.Result::millis).sorted().toArray();
      StringBuilder each = new StringBuilder();
      for (AntiEntropyCost.Result result : results) {
        each.append(each.length() == 0 ? "" : " ").append(result.millis());
      }
      boolean converged = results.stream().allMatch(AntiEntropyCost.Result::converged);
      double worst = results.stream().mapToDouble(AntiEntropyCost.Result::ratio).max().orElse(0);
      System.out.printf(
          "| %,d | %,d | %,d | %,d | %s | %,d | %,d (%,d + %,d) | %,d | %s | %,d (%s) |%n",
          k,
          first.bytes(),
          first.framingBytes(),
          first.floor(),
          String.format("%.2f (worst run %.2f)", first.ratio(), worst),
          first.fullCopyBytes(),
          first.compareRoundTrips() + first.syncRoundTrips(),
          first.compareRoundTrips(),
          first.syncRoundTrips(),
          first.repairedOnA() + first.repairedOnB(),
          converged ? "yes" : "NO",
          millis[millis.length / 2],
          each);
    }
  }
}
