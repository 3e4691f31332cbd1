/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.InvalidRequestException;
import io.dynamokv.core.transfer.TransferMessage.Batch;
import io.dynamokv.core.transfer.TransferMessage.Entry;
import io.dynamokv.core.transfer.TransferMessage.Fetch;
import io.dynamokv.core.transfer.TransferMessage.ReadyQuery;
import io.dynamokv.core.transfer.TransferMessage.ReadyReply;
import io.dynamokv.core.transfer.TransferMessage.Reason;
import io.dynamokv.core.transfer.TransferMessage.Refused;
import io.dynamokv.core.wire.PeerProtocols;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The transfer codec: round trips, and nothing but clean refusals otherwise. */
class TransferCodecTest {
  private static final TransferCodec CODEC = TransferCodec.PROTOCOL;

  private static final byte[] KEY = {7, 8, 9};
  private static final byte[] SET = {1, 2};

  /** One message of each type and shape. */
  private static final List<TransferMessage> SAMPLES =
      List.of(
          new Fetch("s", 3, 2, 7, null, 1),
          new Fetch("users", Integer.MAX_VALUE, Long.MAX_VALUE, 0, KEY, 1 << 20),
          new Fetch("s", 0, 0, Long.MAX_VALUE, new byte[] {0}, TransferMessage.MAX_BATCH_BYTES),
          new Batch(List.of(), true),
          new Batch(List.of(new Entry(KEY, SET)), false),
          new Batch(List.of(new Entry(KEY, SET), new Entry(new byte[] {-1}, new byte[300])), true),
          new ReadyQuery(0, 0),
          new ReadyQuery(4, 1_234_567_890_123L),
          new ReadyReply(true, ""),
          new ReadyReply(false, "partition 12 of users: 3 of 5 batches streamed"),
          new Refused(Reason.NOT_AN_OWNER, 9, ""),
          new Refused(Reason.STALE_RING, 0, "ring 3.9 here"),
          new Refused(Reason.INCOMPLETE, 9, "this copy lost data"),
          new Refused(Reason.BUSY, Long.MAX_VALUE, "ü".repeat(512)));

  @Provide
  Arbitrary<TransferMessage> messages() {
    Arbitrary<String> stores = Arbitraries.strings().ofMinLength(1).ofMaxLength(20);
    Arbitrary<Integer> partitions = Arbitraries.integers().between(0, Integer.MAX_VALUE);
    Arbitrary<Long> rings = Arbitraries.longs().between(0, Long.MAX_VALUE);
    Arbitrary<byte[]> nonEmpty = Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(40);
    Arbitrary<Integer> maxBytes =
        Arbitraries.integers().between(1, TransferMessage.MAX_BATCH_BYTES);
    Arbitrary<String> details = Arbitraries.strings().ofMaxLength(100);
    Arbitrary<Batch> batches =
        Combinators.combine(
                Combinators.combine(nonEmpty, nonEmpty).as(Entry::new).list().ofMaxSize(6),
                Arbitraries.of(true, false))
            .as((entries, done) -> new Batch(entries, done || entries.isEmpty()));
    return Arbitraries.oneOf(
        Combinators.combine(stores, partitions, rings, rings, nonEmpty.injectNull(0.3), maxBytes)
            .as(Fetch::new),
        batches,
        Combinators.combine(rings, rings).as(ReadyQuery::new),
        Combinators.combine(Arbitraries.of(true, false), details).as(ReadyReply::new),
        Combinators.combine(Arbitraries.of(Reason.class), rings, details).as(Refused::new));
  }

  @Property
  void everyMessageRoundTrips(@ForAll("messages") TransferMessage message) {
    assertRoundTrip(message);
  }

  @Test
  void everySampleRoundTrips() {
    for (TransferMessage m : SAMPLES) {
      assertRoundTrip(m);
    }
  }

  @Test
  void aNullAfterIsTheStartOfThePartitionAndAnEmptyOneIsNeverAKey() {
    Fetch start = (Fetch) CODEC.decode(CODEC.encode(new Fetch("s", 1, 0, 1, null, 10)));
    assertThat(start.after()).isNull();
    assertThat(start).isEqualTo(new Fetch("s", 1, 0, 1, null, 10));
    assertThatThrownBy(() -> new Fetch("s", 1, 0, 1, new byte[0], 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("never empty");
  }

  @Test
  void messagesHoldingArraysCompareThemByContent() {
    assertThat(new Fetch("s", 1, 2, 3, new byte[] {4}, 5))
        .isEqualTo(new Fetch("s", 1, 2, 3, new byte[] {4}, 5))
        .hasSameHashCodeAs(new Fetch("s", 1, 2, 3, new byte[] {4}, 5))
        .isNotEqualTo(new Fetch("s", 1, 2, 3, new byte[] {5}, 5))
        .isNotEqualTo(new Fetch("s", 1, 2, 3, null, 5));
    assertThat(new Batch(List.of(new Entry(new byte[] {1}, new byte[] {2})), true))
        .isEqualTo(new Batch(List.of(new Entry(new byte[] {1}, new byte[] {2})), true))
        .hasSameHashCodeAs(new Batch(List.of(new Entry(new byte[] {1}, new byte[] {2})), true))
        .isNotEqualTo(new Batch(List.of(new Entry(new byte[] {1}, new byte[] {3})), true))
        .isNotEqualTo(new Batch(List.of(new Entry(new byte[] {1}, new byte[] {2})), false));
    assertThat(new Fetch("s", 1, 2, 3, new byte[] {-1, 16}, 5).toString()).contains("after=ff10");
    assertThat(new Entry(new byte[] {10}, new byte[7]).toString())
        .isEqualTo("Entry[key=0a, 7 bytes]");
  }

  @Test
  void constructorsRefuseWhatTheWireCannotCarry() {
    assertThatThrownBy(() -> new Fetch("", 0, 0, 0, null, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Fetch("s", -1, 0, 0, null, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Fetch("s", 0, -1, 0, null, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Fetch("s", 0, 0, 0, null, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Fetch("s", 0, 0, 0, null, TransferMessage.MAX_BATCH_BYTES + 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Entry(new byte[0], SET))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Entry(KEY, new byte[0]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Batch(List.of(), false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no progress");
    assertThatThrownBy(() -> new ReadyQuery(0, -1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ReadyReply(true, "x".repeat(1025)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Refused(Reason.BUSY, 0, "ü".repeat(513)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1026");
    assertThatThrownBy(() -> new Refused(Reason.BUSY, -1, ""))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** Any damage decodes to a message whose encoding is the input, or is refused cleanly. */
  @Property
  void damageIsRefusedCleanlyOrCanonical(
      @ForAll("messages") TransferMessage message,
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
  void everyTruncationOfEveryMessageIsRefused() {
    for (TransferMessage m : SAMPLES) {
      byte[] bytes = CODEC.encode(m);
      for (int n = 0; n < bytes.length; n++) {
        byte[] cut = Arrays.copyOf(bytes, n);
        assertThatThrownBy(() -> CODEC.decode(cut))
            .as("%s cut to %d bytes", m, n)
            .isInstanceOf(InvalidRequestException.class)
            .hasMessageContaining("transfer");
      }
    }
  }

  @Test
  void aTrailingByteIsRefused() {
    for (TransferMessage m : SAMPLES) {
      byte[] bytes = CODEC.encode(m);
      byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
      assertThatThrownBy(() -> CODEC.decode(longer))
          .as("%s", m)
          .isInstanceOf(InvalidRequestException.class)
          .hasMessageContaining("1 trailing bytes");
    }
  }

  @Test
  void anUnknownFormatTagOrReasonIsRefused() {
    byte[] bytes = CODEC.encode(new ReadyQuery(1, 2));
    bytes[0] = 2;
    assertThatThrownBy(() -> CODEC.decode(bytes))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("transfer format 2 is not one this node reads (1)");
    assertThatThrownBy(() -> CODEC.decode(new byte[] {0, 3, 0, 0}))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("transfer format 0");
    assertThatThrownBy(() -> CODEC.decode(new byte[] {1, 0}))
        .hasMessageContaining("unknown message tag 0");
    assertThatThrownBy(() -> CODEC.decode(new byte[] {1, 6}))
        .hasMessageContaining("unknown message tag 6");
    assertThatThrownBy(() -> CODEC.decode(new byte[] {1, 5, 0, 1, 0}))
        .hasMessageContaining("unknown refusal reason 0");
    assertThatThrownBy(() -> CODEC.decode(new byte[] {1, 5, 5, 1, 0}))
        .hasMessageContaining("unknown refusal reason 5");
    assertThat(CODEC.decode(new byte[] {1, 5, 4, 1, 0})).isEqualTo(new Refused(Reason.BUSY, 1, ""));
  }

  @Test
  void nonCanonicalFormsAreRefused() {
    // a boolean other than 0 or 1
    assertThatThrownBy(() -> CODEC.decode(new byte[] {1, 2, 2, 0}))
        .hasMessageContaining("done is 2, not a boolean");
    assertThatThrownBy(() -> CODEC.decode(new byte[] {1, 4, 2, 0}))
        .hasMessageContaining("ready is 2, not a boolean");
    // an overlong varint: ring epoch 0 in two bytes
    assertThatThrownBy(() -> CODEC.decode(new byte[] {1, 3, (byte) 0x80, 0, 0}))
        .hasMessageContaining("ring epoch is an overlong varint");
    // a ring version of 2^63, beyond a long
    byte[] big = {(byte) 0x80, -128, -128, -128, -128, -128, -128, -128, -128, 1};
    assertThatThrownBy(() -> CODEC.decode(concat(new byte[] {1, 3, 0}, big)))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("ring");
    // malformed UTF-8 in a detail
    assertThatThrownBy(() -> CODEC.decode(new byte[] {1, 4, 1, 1, (byte) 0xC0}))
        .hasMessageContaining("detail is not UTF-8");
  }

  @Test
  void emptyKeysSetsAndStoresAndNoProgressAreRefused() {
    // an entry with an empty key, then one with an empty set
    assertThatThrownBy(() -> CODEC.decode(new byte[] {1, 2, 1, 1, 0, 1, 5, 0}))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("entry 0 has an empty key");
    assertThatThrownBy(() -> CODEC.decode(new byte[] {1, 2, 1, 1, 1, 5, 0, 0}))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("entry 0 has an empty sibling set");
    // an empty batch that is not done
    assertThatThrownBy(() -> CODEC.decode(new byte[] {1, 2, 0, 0}))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("no progress");
    // a fetch of the empty store
    assertThatThrownBy(() -> CODEC.decode(new byte[] {1, 1, 0, 0, 0, 0, 1, 0}))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("store name is never empty");
  }

  @Test
  void fieldsOutsideTheirRangeAreRefused() {
    // max bytes 0, then 2^26 + 1
    assertThatThrownBy(() -> CODEC.decode(new byte[] {1, 1, 1, 's', 0, 0, 0, 0, 0}))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("max bytes must be 1 to 67108864, found 0");
    byte[] over = new WireBytes().varint(TransferMessage.MAX_BATCH_BYTES + 1L).bytes;
    assertThatThrownBy(
            () ->
                CODEC.decode(concat(concat(new byte[] {1, 1, 1, 's', 0, 0, 0}, over), new byte[1])))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("max bytes is 67108865, above 67108864");
    // partition 2^31
    assertThatThrownBy(
            () -> CODEC.decode(new byte[] {1, 1, 1, 's', -128, -128, -128, -128, 8, 0, 0, 1, 0}))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("partition is 2147483648");
    // a detail of 1025 bytes, in a reply and in a refusal
    byte[] detail = new WireBytes().varint(1025).bytes;
    byte[] text = "x".repeat(1025).getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> CODEC.decode(concat(concat(new byte[] {1, 4, 1}, detail), text)))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("detail must be at most 1024 UTF-8 bytes, found 1025");
    assertThatThrownBy(() -> CODEC.decode(concat(concat(new byte[] {1, 5, 2, 0}, detail), text)))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("detail must be at most 1024 UTF-8 bytes, found 1025");
  }

  @Test
  void absurdCountsAreRefusedBeforeAllocating() {
    byte[] max = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 7};
    // a batch claiming 2^31 - 1 entries in a few bytes
    assertThatThrownBy(() -> CODEC.decode(concat(new byte[] {1, 2, 1}, max)))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("entry count 2147483647 is more than the 0 bytes left can hold");
    // two entries need at least 8 bytes; 7 are left
    assertThatThrownBy(() -> CODEC.decode(new byte[] {1, 2, 1, 2, 1, 1, 1, 1, 1, 1, 1}))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("entry count 2 is more than the 7 bytes left can hold");
    // lengths beyond the input: a key, a store, a detail of 2^31 - 1 bytes
    assertThatThrownBy(() -> CODEC.decode(concat(new byte[] {1, 2, 1, 1}, max)))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("truncated");
    assertThatThrownBy(() -> CODEC.decode(concat(new byte[] {1, 1}, max)))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("truncated");
    assertThatThrownBy(() -> CODEC.decode(concat(new byte[] {1, 4, 0}, max)))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("truncated");
  }

  @Test
  void entrySizeIsWhatAnEntryAddsToABatch() {
    List<Entry> entries = new ArrayList<>();
    entries.add(new Entry(KEY, SET));
    entries.add(new Entry(new byte[200], new byte[20_000]));
    int base = CODEC.size(new Batch(List.of(), true));
    int expected = base;
    for (Entry e : entries) {
      expected += TransferCodec.entrySize(e);
    }
    assertThat(TransferCodec.entrySize(entries.get(0))).isEqualTo(1 + 3 + 1 + 2);
    assertThat(TransferCodec.entrySize(entries.get(1))).isEqualTo(2 + 200 + 3 + 20_000);
    assertThat(CODEC.size(new Batch(entries, true))).isEqualTo(expected);
  }

  @Test
  void itIsProtocolFiveNamedTransferBesideTheOthers() {
    assertThat(CODEC.id()).isEqualTo(5).isEqualTo(TransferCodec.ID);
    assertThat(CODEC.name()).isEqualTo("transfer");
    assertThat(CODEC.format()).isEqualTo(TransferCodec.WIRE_FORMAT);
    PeerProtocols protocols =
        PeerProtocols.of(io.dynamokv.core.merkle.AntiEntropyCodec.PROTOCOL, CODEC);
    Fetch fetch = new Fetch("s", 3, 1, 2, KEY, 100);
    PeerProtocols.Frame frame = protocols.encode(fetch);
    assertThat(frame.protocol()).isEqualTo(5);
    assertThat(protocols.decode(frame)).isEqualTo(fetch);
  }

  @Test
  void requestsAndRepliesDispatchByType() {
    TransferMessage.Handler<String> handler =
        new TransferMessage.Handler<>() {
          @Override
          public String fetch(Fetch request) {
            return "fetch " + request.partition();
          }

          @Override
          public String readyQuery(ReadyQuery request) {
            return "ready? " + request.ringVersion();
          }
        };
    assertThat(new Fetch("s", 3, 1, 2, null, 100).accept(handler)).isEqualTo("fetch 3");
    assertThat(new ReadyQuery(1, 9).accept(handler)).isEqualTo("ready? 9");
    assertThat(SAMPLES)
        .allSatisfy(
            m ->
                assertThat(m instanceof TransferMessage.Request)
                    .isEqualTo(m instanceof Fetch || m instanceof ReadyQuery));
  }

  private static void assertRoundTrip(TransferMessage message) {
    byte[] bytes = CODEC.encode(message);
    assertThat(bytes[0]).as("format byte").isEqualTo((byte) 1);
    TransferMessage decoded = CODEC.decode(bytes);
    assertThat(decoded).hasSameClassAs(message).isEqualTo(message);
    assertThat(decoded).usingRecursiveComparison().isEqualTo(message);
    assertThat(CODEC.encode(decoded)).isEqualTo(bytes);
    assertThat(CODEC.size(message)).isEqualTo(bytes.length);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** A varint's bytes, for hand-made inputs. */
  private static final class WireBytes {
    byte[] bytes;

    WireBytes varint(long v) {
      bytes = new io.dynamokv.core.wire.WireWriter().varint(v).toByteArray();
      return this;
    }
  }
}
