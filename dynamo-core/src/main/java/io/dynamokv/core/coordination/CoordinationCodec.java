/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.coordination;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.coordination.CoordinationMessage.Flush;
import io.dynamokv.core.coordination.CoordinationMessage.Flushed;
import io.dynamokv.core.coordination.CoordinationMessage.ForwardedWrite;
import io.dynamokv.core.coordination.CoordinationMessage.ForwardedWriteReply;
import io.dynamokv.core.coordination.CoordinationMessage.HintWrite;
import io.dynamokv.core.coordination.CoordinationMessage.ReplicaRead;
import io.dynamokv.core.coordination.CoordinationMessage.ReplicaReadReply;
import io.dynamokv.core.coordination.CoordinationMessage.ReplicaWrite;
import io.dynamokv.core.coordination.CoordinationMessage.ReplicaWriteReply;
import io.dynamokv.core.wire.PeerProtocol;
import io.dynamokv.core.wire.WireFormat;
import io.dynamokv.core.wire.WireReader;
import io.dynamokv.core.wire.WireWriter;

/**
 * The coordination protocol (peer protocol {@value #ID}): {@link CoordinationMessage}s in binary.
 *
 * <p>Format 1: the format byte, a tag byte naming the message, then its fields in declaration
 * order: strings and byte arrays as a varint length and the bytes, booleans as one byte, numbers as
 * zigzag varints. Format 2 adds tags 8 and 9 ({@link Flush}, {@link Flushed}) and carries only
 * them; every other message is still written (and read) in format 1 only, so that a node that reads
 * only format 1 reads them. A node sends a {@link Flush} only once every member reads format 2.
 *
 * <table>
 *   <caption>tags</caption>
 *   <tr><th>tag</th><th>message</th></tr>
 *   <tr><td>1</td><td>{@link ReplicaRead}</td></tr>
 *   <tr><td>2</td><td>{@link ReplicaReadReply}</td></tr>
 *   <tr><td>3</td><td>{@link ReplicaWrite}</td></tr>
 *   <tr><td>4</td><td>{@link ReplicaWriteReply}</td></tr>
 *   <tr><td>5</td><td>{@link ForwardedWrite}</td></tr>
 *   <tr><td>6</td><td>{@link ForwardedWriteReply}</td></tr>
 *   <tr><td>7</td><td>{@link HintWrite} (answered by a {@link ReplicaWriteReply})</td></tr>
 *   <tr><td>8</td><td>{@link Flush} (format 2)</td></tr>
 *   <tr><td>9</td><td>{@link Flushed} (format 2)</td></tr>
 * </table>
 *
 * Decoding refuses an unknown format or tag, truncation and trailing bytes with an {@link
 * io.dynamokv.core.InvalidRequestException}, and never allocates more than the input holds.
 */
public final class CoordinationCodec implements PeerProtocol<CoordinationMessage> {
  /** The protocol's id on the wire. */
  public static final int ID = 3;

  /** The format that adds {@link Flush} and {@link Flushed}. */
  public static final int FORMAT_FLUSH = 2;

  /** Versions of the coordination encoding this node reads. */
  public static final WireFormat WIRE_FORMAT = new WireFormat("coordination", 1, FORMAT_FLUSH);

  /** The protocol, for a node's registry. */
  public static final CoordinationCodec PROTOCOL = new CoordinationCodec();

  private static final int REPLICA_READ = 1;
  private static final int REPLICA_READ_REPLY = 2;
  private static final int REPLICA_WRITE = 3;
  private static final int REPLICA_WRITE_REPLY = 4;
  private static final int FORWARDED_WRITE = 5;
  private static final int FORWARDED_WRITE_REPLY = 6;
  private static final int HINT_WRITE = 7;
  private static final int FLUSH = 8;
  private static final int FLUSHED = 9;

  private static final Encoder ENCODER = new Encoder();

  private CoordinationCodec() {}

  @Override
  public int id() {
    return ID;
  }

  @Override
  public WireFormat format() {
    return WIRE_FORMAT;
  }

  @Override
  public Class<CoordinationMessage> messages() {
    return CoordinationMessage.class;
  }

  @Override
  public byte[] encode(CoordinationMessage message) {
    return message.accept(ENCODER).toByteArray();
  }

  @Override
  public CoordinationMessage decode(byte[] bytes) {
    WireReader in = new WireReader("coordination message", bytes);
    int format = in.format(WIRE_FORMAT);
    int tag = in.u8("tag");
    if ((tag == FLUSH || tag == FLUSHED) != (format == FORMAT_FLUSH)) {
      throw in.malformed("message tag " + tag + " in format " + format); // one format per tag
    }
    CoordinationMessage m =
        switch (tag) {
          case REPLICA_READ -> new ReplicaRead(in.string("store"), in.bytes("key"));
          case REPLICA_READ_REPLY -> new ReplicaReadReply(in.bytes("siblings"));
          case REPLICA_WRITE ->
              new ReplicaWrite(in.string("store"), in.bytes("key"), in.bytes("siblings"));
          case REPLICA_WRITE_REPLY -> new ReplicaWriteReply();
          case FORWARDED_WRITE ->
              new ForwardedWrite(
                  in.zigzag("requestId"),
                  in.string("store"),
                  in.bytes("key"),
                  in.bytes("value"),
                  in.bool("delete"),
                  in.bytes("context"),
                  in.zigzagInt("quorum"),
                  in.zigzag("timeoutMillis"));
          case FORWARDED_WRITE_REPLY -> new ForwardedWriteReply(in.bytes("context"));
          case HINT_WRITE ->
              new HintWrite(in.string("store"), in.bytes("key"), nodeId(in), in.bytes("siblings"));
          case FLUSH -> new Flush();
          case FLUSHED -> new Flushed(epoch(in));
          default -> throw in.malformed("unknown message tag " + tag);
        };
    in.end();
    return m;
  }

  private static long epoch(WireReader in) {
    long epoch = in.zigzag("epoch");
    if (epoch < 0) {
      throw in.malformed("negative epoch " + epoch);
    }
    return epoch;
  }

  private static NodeId nodeId(WireReader in) {
    String owner = in.string("owner");
    try {
      return NodeId.of(owner);
    } catch (IllegalArgumentException e) {
      throw in.malformed(e.getMessage());
    }
  }

  /** Writes each message type in format 1, and {@link Flush} and {@link Flushed} in format 2. */
  private static final class Encoder implements CoordinationMessage.Visitor<WireWriter> {
    private static WireWriter start(int tag) {
      return WireWriter.withFormat(1).u8(tag);
    }

    @Override
    public WireWriter replicaRead(ReplicaRead m) {
      return start(REPLICA_READ).string(m.store()).bytes(m.key());
    }

    @Override
    public WireWriter replicaReadReply(ReplicaReadReply m) {
      return start(REPLICA_READ_REPLY).bytes(m.siblings());
    }

    @Override
    public WireWriter replicaWrite(ReplicaWrite m) {
      return start(REPLICA_WRITE).string(m.store()).bytes(m.key()).bytes(m.siblings());
    }

    @Override
    public WireWriter replicaWriteReply(ReplicaWriteReply m) {
      return start(REPLICA_WRITE_REPLY);
    }

    @Override
    public WireWriter forwardedWrite(ForwardedWrite m) {
      return start(FORWARDED_WRITE)
          .zigzag(m.requestId())
          .string(m.store())
          .bytes(m.key())
          .bytes(m.value())
          .bool(m.delete())
          .bytes(m.context())
          .zigzag(m.quorum())
          .zigzag(m.timeoutMillis());
    }

    @Override
    public WireWriter forwardedWriteReply(ForwardedWriteReply m) {
      return start(FORWARDED_WRITE_REPLY).bytes(m.context());
    }

    @Override
    public WireWriter hintWrite(HintWrite m) {
      return start(HINT_WRITE)
          .string(m.store())
          .bytes(m.key())
          .string(m.owner().value())
          .bytes(m.siblings());
    }

    @Override
    public WireWriter flush(Flush m) {
      return WireWriter.withFormat(FORMAT_FLUSH).u8(FLUSH);
    }

    @Override
    public WireWriter flushed(Flushed m) {
      return WireWriter.withFormat(FORMAT_FLUSH).u8(FLUSHED).zigzag(m.epoch());
    }
  }
}
