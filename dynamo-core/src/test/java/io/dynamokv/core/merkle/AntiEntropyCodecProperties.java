/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.merkle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.InvalidRequestException;
import io.dynamokv.core.merkle.AntiEntropyMessage.CompareRoot;
import io.dynamokv.core.merkle.AntiEntropyMessage.Descend;
import io.dynamokv.core.merkle.AntiEntropyMessage.DescendReply;
import io.dynamokv.core.merkle.AntiEntropyMessage.KeyEntry;
import io.dynamokv.core.merkle.AntiEntropyMessage.KeyList;
import io.dynamokv.core.merkle.AntiEntropyMessage.KeySet;
import io.dynamokv.core.merkle.AntiEntropyMessage.LeftChild;
import io.dynamokv.core.merkle.AntiEntropyMessage.NodeAnswer;
import io.dynamokv.core.merkle.AntiEntropyMessage.Probe;
import io.dynamokv.core.merkle.AntiEntropyMessage.Purge;
import io.dynamokv.core.merkle.AntiEntropyMessage.PurgeCheck;
import io.dynamokv.core.merkle.AntiEntropyMessage.PurgeReply;
import io.dynamokv.core.merkle.AntiEntropyMessage.Reason;
import io.dynamokv.core.merkle.AntiEntropyMessage.Refused;
import io.dynamokv.core.merkle.AntiEntropyMessage.RootDiffers;
import io.dynamokv.core.merkle.AntiEntropyMessage.RootMatch;
import io.dynamokv.core.merkle.AntiEntropyMessage.Sync;
import io.dynamokv.core.merkle.AntiEntropyMessage.SyncReply;
import io.dynamokv.core.merkle.AntiEntropyMessage.SyncResult;
import io.dynamokv.core.wire.PeerProtocols;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The anti-entropy codec: round trips, and nothing but clean refusals otherwise. */
class AntiEntropyCodecProperties {
  private static final AntiEntropyCodec CODEC = AntiEntropyCodec.PROTOCOL;

  @Provide
  Arbitrary<AntiEntropyMessage> messages() {
    Arbitrary<String> stores = Arbitraries.strings().ofMaxLength(20);
    Arbitrary<Integer> partitions = Arbitraries.integers().between(0, Integer.MAX_VALUE);
    Arbitrary<Long> versions = Arbitraries.longs().between(0, Long.MAX_VALUE);
    Arbitrary<Long> counts = Arbitraries.longs().between(0, Long.MAX_VALUE >>> 1);
    Arbitrary<Long> hashes = Arbitraries.longs();
    Arbitrary<byte[]> bytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(40);
    Arbitrary<byte[]> sets = Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(40);
    Arbitrary<Descend> descends =
        Arbitraries.integers()
            .between(0, PartitionTree.MAX_DEPTH)
            .flatMap(
                depth ->
                    Combinators.combine(
                            stores,
                            partitions,
                            versions,
                            Arbitraries.longs()
                                .between(0, (1L << depth) - 1)
                                .list()
                                .ofMinSize(1)
                                .ofMaxSize(20),
                            Arbitraries.longs())
                        .as(
                            (store, partition, version, indexes, wants) -> {
                              List<Probe> probes = new ArrayList<>();
                              for (long i : new TreeSet<>(indexes)) {
                                probes.add(new Probe(i, ((wants >>> (i & 63)) & 1) == 1));
                              }
                              return new Descend(store, partition, version, depth, probes);
                            }));
    Arbitrary<NodeAnswer> answers =
        Arbitraries.oneOf(
            Combinators.combine(hashes, counts).as(LeftChild::new),
            Combinators.combine(bytes, hashes)
                .as(KeyEntry::new)
                .list()
                .ofMaxSize(5)
                .map(KeyList::new));
    Arbitrary<List<KeyEntry>> keyEntries =
        Combinators.combine(bytes, hashes).as(KeyEntry::new).list().ofMaxSize(5);
    Arbitrary<SyncResult> results =
        Arbitraries.oneOf(
            Arbitraries.of(true, false).map(c -> new SyncResult(c, new byte[0])),
            Arbitraries.of(true, false).map(c -> new SyncResult(c, new byte[0], true)),
            Combinators.combine(Arbitraries.of(true, false), sets).as(SyncResult::new));
    return Arbitraries.oneOf(
        Combinators.combine(stores, partitions, versions, hashes, counts).as(CompareRoot::new),
        Arbitraries.just(new RootMatch()),
        Combinators.combine(hashes, counts, hashes, counts).as(RootDiffers::new),
        descends,
        answers.list().ofMaxSize(6).map(DescendReply::new),
        Combinators.combine(
                stores,
                partitions,
                versions,
                Arbitraries.of(true, false),
                Combinators.combine(bytes, bytes).as(KeySet::new).list().ofMaxSize(5))
            .as(Sync::new),
        results.list().ofMaxSize(6).map(SyncReply::new),
        Combinators.combine(Arbitraries.of(Reason.class), versions).as(Refused::new),
        Combinators.combine(stores, partitions, versions, keyEntries).as(PurgeCheck::new),
        Combinators.combine(stores, partitions, versions, keyEntries).as(Purge::new),
        Arbitraries.of(true, false).list().ofMaxSize(20).map(PurgeReply::new));
  }

  @Property
  void everyMessageRoundTrips(@ForAll("messages") AntiEntropyMessage message) {
    byte[] bytes = CODEC.encode(message);
    assertThat(bytes[0]).as("format byte").isEqualTo((byte) 1);
    AntiEntropyMessage decoded = CODEC.decode(bytes);
    assertThat(decoded).hasSameClassAs(message).usingRecursiveComparison().isEqualTo(message);
    assertThat(CODEC.encode(decoded)).isEqualTo(bytes);
    assertThat(CODEC.size(message)).isEqualTo(bytes.length);
  }

  /** Any damage decodes to a message whose encoding is the input, or is refused cleanly. */
  @Property
  void damageIsRefusedCleanlyOrCanonical(
      @ForAll("messages") AntiEntropyMessage message,
      @ForAll @IntRange(min = 0, max = 1000) int where,
      @ForAll byte value,
      @ForAll boolean truncate) {
    byte[] bytes = CODEC.encode(message);
    int at = where % bytes.length;
    byte[] damaged = truncate ? Arrays.copyOf(bytes, at) : bytes.clone();
    if (!truncate) {
      damaged[at] = value;
    }
    try {
      assertThat(CODEC.encode(CODEC.decode(damaged))).isEqualTo(damaged);
    } catch (InvalidRequestException refused) {
      assertThat(refused.getMessage()).isNotBlank();
    }
  }

  @Test
  void everyTruncationOfEveryMessageTypeIsRefused() {
    List<AntiEntropyMessage> samples =
        List.of(
            new CompareRoot("s", 3, 7, -5, 1_562),
            new RootDiffers(1, 2, 3, 1),
            new Descend("s", 3, 7, 12, List.of(new Probe(5, false), new Probe(4_000, true))),
            new DescendReply(
                List.of(new LeftChild(9, 4), new KeyList(List.of(new KeyEntry(new byte[3], 8))))),
            new Sync("s", 3, 7, true, List.of(new KeySet(new byte[] {1}, new byte[] {2, 3}))),
            new SyncReply(List.of(new SyncResult(true, new byte[] {4}))),
            new Refused(Reason.NOT_READY, 7),
            new PurgeCheck("s", 3, 7, List.of(new KeyEntry(new byte[] {1}, 5))),
            new Purge("s", 3, 7, List.of(new KeyEntry(new byte[] {1}, 5))),
            new PurgeReply(List.of(true, false, true)));
    for (AntiEntropyMessage m : samples) {
      byte[] bytes = CODEC.encode(m);
      for (int n = 0; n < bytes.length; n++) {
        byte[] cut = Arrays.copyOf(bytes, n);
        assertThatThrownBy(() -> CODEC.decode(cut))
            .as("%s cut to %d bytes", m, n)
            .isInstanceOf(InvalidRequestException.class);
      }
    }
  }

  @Test
  void anUnknownFormatOrTagIsRefused() {
    byte[] bytes = CODEC.encode(new RootMatch());
    bytes[0] = 2;
    assertThatThrownBy(() -> CODEC.decode(bytes))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("anti-entropy format 2 is not one this node reads (1)");
    assertThatThrownBy(() -> CODEC.decode(new byte[] {0, 2}))
        .isInstanceOf(InvalidRequestException.class);
    assertThatThrownBy(() -> CODEC.decode(new byte[] {1, 12}))
        .hasMessageContaining("unknown message tag 12");
    assertThatThrownBy(() -> CODEC.decode(new byte[] {1, 11, 3, 8}))
        .hasMessageContaining("unused answer bits are set");
    assertThatThrownBy(() -> CODEC.decode(new byte[] {1, 0}))
        .hasMessageContaining("unknown message tag 0");
    assertThatThrownBy(() -> CODEC.decode(new byte[] {1, 2, 0}))
        .hasMessageContaining("1 trailing bytes");
    assertThatThrownBy(() -> CODEC.decode(new byte[] {1, 8, 0, 1}))
        .hasMessageContaining("unknown refusal reason 0");
    assertThatThrownBy(() -> CODEC.decode(new byte[] {1, 8, 6, 1}))
        .hasMessageContaining("unknown refusal reason 6");
  }

  @Test
  void absurdCountsAreRefusedBeforeAllocating() {
    byte[] max = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 7};
    // a descend reply, a sync reply and a sync claiming 2^31 - 1 items in a few bytes
    assertThatThrownBy(() -> CODEC.decode(concat(new byte[] {1, 5}, max)))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("answer count");
    assertThatThrownBy(() -> CODEC.decode(concat(new byte[] {1, 7}, max)))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("result count");
    assertThatThrownBy(() -> CODEC.decode(concat(new byte[] {1, 6, 1, 's', 0, 0, 0}, max)))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("entry count");
    // a key list of 2^30 keys
    assertThatThrownBy(() -> CODEC.decode(concat(new byte[] {1, 5, 1}, max)))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("key list");
    // 2^31 - 1 probes
    assertThatThrownBy(() -> CODEC.decode(concat(new byte[] {1, 4, 1, 's', 0, 0, 40}, max)))
        .isInstanceOf(InvalidRequestException.class);
  }

  @Test
  void probesOutsideTheirDepthAreRefused() {
    // depth 49
    assertThatThrownBy(() -> CODEC.decode(new byte[] {1, 4, 1, 's', 0, 0, 49, 1, 0}))
        .hasMessageContaining("depth 49");
    // depth 2 has indexes 0 to 3: index 4, then 3 after 3
    assertThatThrownBy(() -> CODEC.decode(new byte[] {1, 4, 1, 's', 0, 0, 2, 1, 8}))
        .hasMessageContaining("beyond 2^2");
    assertThatThrownBy(() -> CODEC.decode(new byte[] {1, 4, 1, 's', 0, 0, 2, 2, 6, 0}))
        .hasMessageContaining("beyond 2^2");
    // five probes at depth 2
    assertThatThrownBy(() -> CODEC.decode(new byte[] {1, 4, 1, 's', 0, 0, 2, 5, 0, 0, 0, 0, 0}))
        .isInstanceOf(InvalidRequestException.class);
    // no probe at all
    assertThatThrownBy(() -> CODEC.decode(new byte[] {1, 4, 1, 's', 0, 0, 2, 0}))
        .isInstanceOf(InvalidRequestException.class);
    // a result flagged with a set whose set is empty is not canonical
    assertThatThrownBy(() -> CODEC.decode(new byte[] {1, 7, 1, 2, 0}))
        .hasMessageContaining("empty");
  }

  @Test
  void itIsProtocolFourNamedAntiEntropyBesideTheOthers() {
    assertThat(CODEC.id()).isEqualTo(4);
    assertThat(CODEC.name()).isEqualTo("anti-entropy");
    PeerProtocols protocols =
        PeerProtocols.of(io.dynamokv.core.coordination.CoordinationCodec.PROTOCOL, CODEC);
    PeerProtocols.Frame frame = protocols.encode(new RootMatch());
    assertThat(frame.protocol()).isEqualTo(4);
    assertThat(protocols.decode(frame)).isInstanceOf(RootMatch.class);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
