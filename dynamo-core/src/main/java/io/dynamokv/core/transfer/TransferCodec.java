/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.transfer;

import io.dynamokv.core.transfer.TransferMessage.Batch;
import io.dynamokv.core.transfer.TransferMessage.Entry;
import io.dynamokv.core.transfer.TransferMessage.Fetch;
import io.dynamokv.core.transfer.TransferMessage.ReadyQuery;
import io.dynamokv.core.transfer.TransferMessage.ReadyReply;
import io.dynamokv.core.transfer.TransferMessage.Reason;
import io.dynamokv.core.transfer.TransferMessage.Refused;
import io.dynamokv.core.wire.PeerProtocol;
import io.dynamokv.core.wire.WireFormat;
import io.dynamokv.core.wire.WireReader;
import io.dynamokv.core.wire.WireWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * The transfer protocol (peer protocol {@value #ID}, family {@code transfer}): {@link
 * TransferMessage}s in binary.
 *
 * <p>Format 1: the format byte, a tag byte, then the fields. {@code varint} is an unsigned LEB128
 * varint, {@code bytes} a varint length and the bytes, {@code string} the same in UTF-8, {@code
 * bool} a byte 0 or 1.
 *
 * <table>
 *   <caption>messages</caption>
 *   <tr><th>tag</th><th>message</th><th>fields</th></tr>
 *   <tr><td>1</td><td>{@link Fetch}</td><td>string store (not empty), varint partition, varint
 *       ringEpoch, varint ringVersion, varint maxBytes (1 to 2^26), bytes after (empty: null, the
 *       start of the partition)</td></tr>
 *   <tr><td>2</td><td>{@link Batch}</td><td>bool done, varint n (at least 1 unless done), n ×
 *       (bytes key, bytes siblings), neither empty</td></tr>
 *   <tr><td>3</td><td>{@link ReadyQuery}</td><td>varint ringEpoch, varint ringVersion</td></tr>
 *   <tr><td>4</td><td>{@link ReadyReply}</td><td>bool ready, string detail (at most {@value
 *       TransferMessage#MAX_DETAIL_BYTES} bytes)</td></tr>
 *   <tr><td>5</td><td>{@link Refused}</td><td>byte reason (ordinal + 1), varint ringVersion, string
 *       detail (at most {@value TransferMessage#MAX_DETAIL_BYTES} bytes)</td></tr>
 * </table>
 *
 * <p>Decoding refuses an unknown format, tag or reason, truncation, trailing bytes, non-canonical
 * forms (overlong varints, a boolean other than 0 or 1, malformed UTF-8), strings over their limit,
 * empty keys and sets, and counts beyond what the remaining bytes can hold with an {@link
 * io.dynamokv.core.InvalidRequestException}, so it never allocates more than the input justifies.
 * Sibling sets stay encoded: their receiver decodes them with the version codec.
 */
public final class TransferCodec implements PeerProtocol<TransferMessage> {
  /** The protocol's id on the wire. */
  public static final int ID = 5;

  /** Versions of the transfer encoding this node reads. */
  public static final WireFormat WIRE_FORMAT = new WireFormat("transfer", 1, 1);

  /** The protocol, for a node's registry. */
  public static final TransferCodec PROTOCOL = new TransferCodec();

  private static final int FETCH = 1;
  private static final int BATCH = 2;
  private static final int READY_QUERY = 3;
  private static final int READY_REPLY = 4;
  private static final int REFUSED = 5;

  /** The fewest bytes an entry of a batch takes: two lengths and a byte each. */
  private static final int MIN_ENTRY_BYTES = 4;

  private static final Reason[] REASONS = Reason.values();
  private static final Encoder ENCODER = new Encoder();

  private TransferCodec() {}

  @Override
  public int id() {
    return ID;
  }

  @Override
  public WireFormat format() {
    return WIRE_FORMAT;
  }

  @Override
  public Class<TransferMessage> messages() {
    return TransferMessage.class;
  }

  @Override
  public byte[] encode(TransferMessage message) {
    return message.accept(ENCODER).toByteArray();
  }

  /** The size of {@code message}'s encoding in bytes. */
  public int size(TransferMessage message) {
    return encode(message).length;
  }

  /**
   * The bytes {@code entry} adds to a {@link Batch}'s encoding: what a sender counts against a
   * fetch's {@code maxBytes}.
   */
  public static int entrySize(Entry entry) {
    return varintSize(entry.key().length)
        + entry.key().length
        + varintSize(entry.siblings().length)
        + entry.siblings().length;
  }

  @Override
  public TransferMessage decode(byte[] bytes) {
    WireReader in = new WireReader("transfer message", bytes);
    in.format(WIRE_FORMAT);
    int tag = in.u8("tag");
    TransferMessage m;
    try {
      m =
          switch (tag) {
            case FETCH -> fetch(in);
            case BATCH -> batch(in);
            case READY_QUERY -> new ReadyQuery(in.varint("ring epoch"), in.varint("ring version"));
            case READY_REPLY -> new ReadyReply(in.bool("ready"), in.string("detail"));
            case REFUSED -> refused(in);
            default -> throw in.malformed("unknown message tag " + tag);
          };
    } catch (IllegalArgumentException e) {
      throw in.malformed(e.getMessage());
    }
    in.end();
    return m;
  }

  private static Fetch fetch(WireReader in) {
    String store = in.string("store");
    int partition = in.varint("partition", Integer.MAX_VALUE);
    long ringEpoch = in.varint("ring epoch");
    long ringVersion = in.varint("ring version");
    int maxBytes = in.varint("max bytes", TransferMessage.MAX_BATCH_BYTES);
    byte[] after = in.bytes("after");
    return new Fetch(
        store, partition, ringEpoch, ringVersion, after.length == 0 ? null : after, maxBytes);
  }

  private static Batch batch(WireReader in) {
    boolean done = in.bool("done");
    long count = in.varint("entry count");
    if (count < 0 || count > in.remaining() / MIN_ENTRY_BYTES) {
      throw in.malformed(
          "entry count "
              + Long.toUnsignedString(count)
              + " is more than the "
              + in.remaining()
              + " bytes left can hold");
    }
    int n = (int) count;
    List<Entry> entries = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      byte[] key = in.bytes("key");
      if (key.length == 0) {
        throw in.malformed("entry " + i + " has an empty key");
      }
      byte[] siblings = in.bytes("siblings");
      if (siblings.length == 0) {
        throw in.malformed("entry " + i + " has an empty sibling set");
      }
      entries.add(new Entry(key, siblings));
    }
    return new Batch(entries, done);
  }

  private static Refused refused(WireReader in) {
    int reason = in.u8("reason");
    if (reason < 1 || reason > REASONS.length) {
      throw in.malformed("unknown refusal reason " + reason);
    }
    return new Refused(REASONS[reason - 1], in.varint("ring version"), in.string("detail"));
  }

  private static int varintSize(int value) {
    int size = 1;
    for (int v = value >>> 7; v != 0; v >>>= 7) {
      size++;
    }
    return size;
  }

  /** Writes each message type in format 1. */
  private static final class Encoder implements TransferMessage.Visitor<WireWriter> {
    private static WireWriter start(int tag) {
      return WireWriter.withFormat(1).u8(tag);
    }

    @Override
    public WireWriter fetch(Fetch m) {
      return start(FETCH)
          .string(m.store())
          .varint(m.partition())
          .varint(m.ringEpoch())
          .varint(m.ringVersion())
          .varint(m.maxBytes())
          .bytes(m.after() == null ? new byte[0] : m.after());
    }

    @Override
    public WireWriter batch(Batch m) {
      WireWriter out = start(BATCH).bool(m.done()).varint(m.entries().size());
      for (Entry e : m.entries()) {
        out.bytes(e.key()).bytes(e.siblings());
      }
      return out;
    }

    @Override
    public WireWriter readyQuery(ReadyQuery m) {
      return start(READY_QUERY).varint(m.ringEpoch()).varint(m.ringVersion());
    }

    @Override
    public WireWriter readyReply(ReadyReply m) {
      return start(READY_REPLY).bool(m.ready()).string(m.detail());
    }

    @Override
    public WireWriter refused(Refused m) {
      return start(REFUSED).u8(m.reason().ordinal() + 1).varint(m.ringVersion()).string(m.detail());
    }
  }
}
