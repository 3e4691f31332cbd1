/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.ring;

import io.dynamokv.core.NodeId;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The compact binary form of a {@link Ring}, as the membership layer gossips and persists it.
 *
 * <p>Encoding is deterministic (equal rings give equal bytes, on every node and JVM), so nodes may
 * compare rings by their bytes or a digest of them. Decoding accepts exactly what {@link
 * #encode(Ring)} writes: anything else, including trailing bytes, throws {@link
 * RingFormatException}, and no array larger than the input justifies is ever allocated.
 *
 * <p>Format 2, all integers unsigned LEB128 varints unless stated:
 *
 * <pre>
 *   byte     format = 2
 *   byte     strategy (1 or 3, the paper's numbers)
 *   varint   epoch
 *   varint   version
 *   varint   S, then S node ids in ascending order, each: byte length (1..64), ASCII bytes
 *   varint   Z, then Z zone names in ascending order, each: varint length, UTF-8 bytes
 *   if Z > 0: S varints, the zone of each node (0 = none, i = the i-th zone)
 *   strategy 3: byte log2(Q), then Q owner indices, 1 byte each if S <= 256, else 2 bytes big-endian
 *   strategy 1: for each node in order: varint count, then count 16-byte tokens ascending
 * </pre>
 *
 * A strategy-3 ring with Q = 1024 and 10 nodes encodes in about 1.1 KB, one byte per partition.
 *
 * <p>Format 3 is a strategy-3 ring that is {@link Ring#moving() moving}: format 2's fields (with
 * format byte 3 and strategy 3), then a byte saying what the pending layout is (1: the layout the
 * ring moves to; 2: the {@link Ring#retiring() retiring} layout a completed move left behind), then
 * its {@link Ring#pending() pending} layout as format 2 lays out a layout:
 *
 * <pre>
 *   varint   S', then S' node ids in ascending order, each: byte length (1..64), ASCII bytes
 *   varint   Z', then Z' zone names in ascending order, each: varint length, UTF-8 bytes
 *   if Z' > 0: S' varints, the zone of each pending node (0 = none, i = the i-th zone)
 *   byte     log2(Q), equal to the current layout's
 *   Q owner indices into the S' pending nodes, 1 byte each if S' <= 256, else 2 bytes big-endian
 * </pre>
 *
 * A ring without a pending layout is always written as format 2, byte for byte as before format 3
 * existed. Format 3 with strategy 1, with another Q, or with a pending layout identical to the
 * current one (owners and zones) is refused: {@link Ring#withPending} never builds such a ring.
 *
 * <p>Format 1 is format 2 without the epoch; it is still read (as epoch 0), so that rings persisted
 * or gossiped by older nodes decode. Any other format byte is refused.
 */
public final class RingCodec {
  /** The format this class writes for a ring without a pending layout. */
  public static final byte FORMAT = 2;

  /** The format this class writes for a {@link Ring#moving() moving} ring: format 2 + pending. */
  public static final byte FORMAT_WITH_PENDING = 3;

  private static final int INCOMING = 1;
  private static final int RETIRING = 2;

  /** The older format this class still reads: format 2 without the epoch. */
  public static final byte FORMAT_WITHOUT_EPOCH = 1;

  private RingCodec() {}

  /** The bytes of {@code ring}. */
  public static byte[] encode(Ring ring) {
    Ring pending = ring.pending().orElse(null);
    ByteArrayOutputStream out =
        new ByteArrayOutputStream(64 + 2 * ring.partitionCount() * (pending == null ? 1 : 2));
    out.write(pending == null ? FORMAT : FORMAT_WITH_PENDING);
    out.write(ring.strategy().paperNumber());
    writeVarLong(out, ring.epoch());
    writeVarLong(out, ring.version());
    writeLayout(out, ring);
    if (pending != null) {
      out.write(ring.retiring() ? RETIRING : INCOMING);
      writeLayout(out, pending);
    }
    return out.toByteArray();
  }

  /** One layout: nodes, zones, then the owner table (strategy 3) or the tokens (strategy 1). */
  private static void writeLayout(ByteArrayOutputStream out, Ring ring) {
    NodeId[] nodes = ring.nodeArray();
    writeVarLong(out, nodes.length);
    for (NodeId node : nodes) {
      byte[] id = node.value().getBytes(StandardCharsets.US_ASCII);
      out.write(id.length);
      out.write(id, 0, id.length);
    }
    String[] zones = ring.zoneArray();
    TreeSet<String> zoneNames = new TreeSet<>();
    for (String zone : zones) {
      if (zone != null) {
        zoneNames.add(zone);
      }
    }
    writeVarLong(out, zoneNames.size());
    List<String> zoneList = new ArrayList<>(zoneNames);
    for (String zone : zoneList) {
      byte[] name = zone.getBytes(StandardCharsets.UTF_8);
      writeVarLong(out, name.length);
      out.write(name, 0, name.length);
    }
    if (!zoneList.isEmpty()) {
      for (String zone : zones) {
        writeVarLong(out, zone == null ? 0 : 1 + zoneList.indexOf(zone));
      }
    }
    if (ring.strategy() == PartitionStrategy.FIXED_PARTITIONS) {
      int[] owners = ring.ownerIndexArray();
      out.write(Integer.numberOfTrailingZeros(owners.length));
      boolean wide = nodes.length > 256;
      for (int owner : owners) {
        if (wide) {
          out.write(owner >>> 8);
        }
        out.write(owner);
      }
    } else {
      TreeMap<NodeId, List<Token>> byNode = new TreeMap<>();
      for (Map.Entry<Token, NodeId> e : ring.tokens().entrySet()) {
        byNode.computeIfAbsent(e.getValue(), n -> new ArrayList<>()).add(e.getKey());
      }
      byte[] buffer = new byte[Token.BYTES];
      for (NodeId node : nodes) {
        List<Token> tokens = byNode.get(node);
        writeVarLong(out, tokens.size());
        for (Token token : tokens) {
          token.writeTo(buffer, 0);
          out.write(buffer, 0, buffer.length);
        }
      }
    }
  }

  /**
   * The ring encoded in {@code bytes}.
   *
   * @throws RingFormatException if {@code bytes} is not exactly one ring in a known format
   */
  public static Ring decode(byte[] bytes) {
    ByteBuffer in = ByteBuffer.wrap(bytes);
    int format = readByte(in, "format");
    if (format != FORMAT && format != FORMAT_WITHOUT_EPOCH && format != FORMAT_WITH_PENDING) {
      throw new RingFormatException(
          "unsupported ring format "
              + format
              + " (this node reads formats "
              + FORMAT_WITHOUT_EPOCH
              + " to "
              + FORMAT_WITH_PENDING
              + "); upgrade the node or check what is sending it rings");
    }
    int strategyNumber = readByte(in, "strategy");
    PartitionStrategy strategy;
    if (strategyNumber == 3) {
      strategy = PartitionStrategy.FIXED_PARTITIONS;
    } else if (strategyNumber == 1) {
      strategy = PartitionStrategy.RANDOM_TOKENS;
    } else {
      throw new RingFormatException(
          "unknown partition strategy " + strategyNumber + ", expected 1 or 3");
    }
    if (format == FORMAT_WITH_PENDING && strategy != PartitionStrategy.FIXED_PARTITIONS) {
      throw new RingFormatException(
          "ring format " + format + " (a pending layout) exists only for strategy 3, found 1");
    }
    long epoch = format == FORMAT_WITHOUT_EPOCH ? 0 : readVarLong(in, "epoch");
    if (epoch < 0) {
      throw new RingFormatException("ring epoch overflows a signed 64-bit integer");
    }
    long version = readVarLong(in, "version");
    if (version < 0) {
      throw new RingFormatException("ring version overflows a signed 64-bit integer");
    }
    Ring ring = decodeLayout(in, strategy, version, "");
    if (format == FORMAT_WITH_PENDING) {
      int kind = readByte(in, "pending layout kind");
      if (kind != INCOMING && kind != RETIRING) {
        throw new RingFormatException(
            "the pending layout kind is " + kind + ", not 1 (incoming) or 2 (retiring)");
      }
      Ring pending = decodeLayout(in, strategy, version, "pending ");
      if (pending.partitionCount() != ring.partitionCount()) {
        throw new RingFormatException(
            "the pending layout has Q="
                + pending.partitionCount()
                + " partitions, the ring Q="
                + ring.partitionCount());
      }
      ring = kind == RETIRING ? ring.withRetiring(pending) : ring.withPending(pending);
      if (!ring.moving()) {
        throw new RingFormatException(
            "the pending layout equals the current one; a ring that does not move is format "
                + FORMAT);
      }
    }
    if (in.hasRemaining()) {
      throw new RingFormatException(in.remaining() + " unexpected bytes after the ring");
    }
    return ring.withEpoch(epoch);
  }

  /** One layout as {@link #writeLayout} writes it; {@code what} prefixes the error messages. */
  private static Ring decodeLayout(
      ByteBuffer in, PartitionStrategy strategy, long version, String what) {
    int nodeCount = readCount(in, what + "node count", 2);
    if (nodeCount < 1) {
      throw new RingFormatException("a " + what + "ring has at least one node, found 0");
    }
    NodeId[] nodes = new NodeId[nodeCount];
    for (int i = 0; i < nodeCount; i++) {
      int length = readByte(in, what + "node id length");
      byte[] id = readBytes(in, length, what + "node id");
      try {
        nodes[i] = NodeId.of(new String(id, StandardCharsets.US_ASCII));
      } catch (IllegalArgumentException e) {
        throw new RingFormatException("invalid node id in " + what + "ring: " + e.getMessage(), e);
      }
      if (i > 0 && nodes[i].compareTo(nodes[i - 1]) <= 0) {
        throw new RingFormatException(
            what
                + "node ids must be strictly ascending, found "
                + nodes[i - 1]
                + " before "
                + nodes[i]);
      }
    }
    int zoneCount = readCount(in, what + "zone count", 2);
    if (zoneCount > nodeCount) {
      throw new RingFormatException(
          "more " + what + "zones (" + zoneCount + ") than nodes (" + nodeCount + ")");
    }
    String[] zoneNames = new String[zoneCount];
    for (int i = 0; i < zoneCount; i++) {
      int length = readCount(in, what + "zone name length", 1);
      zoneNames[i] = decodeUtf8(readBytes(in, length, what + "zone name"));
      if (i > 0 && zoneNames[i].compareTo(zoneNames[i - 1]) <= 0) {
        throw new RingFormatException(what + "zone names must be strictly ascending");
      }
    }
    TreeMap<NodeId, String> zones = new TreeMap<>();
    if (zoneCount > 0) {
      boolean[] used = new boolean[zoneCount];
      for (int i = 0; i < nodeCount; i++) {
        long zone = readVarLong(in, what + "zone index");
        if (zone < 0 || zone > zoneCount) {
          throw new RingFormatException(
              what
                  + "zone index "
                  + zone
                  + " of node "
                  + nodes[i]
                  + " is outside [0, "
                  + zoneCount
                  + "]");
        }
        if (zone > 0) {
          zones.put(nodes[i], zoneNames[(int) zone - 1]);
          used[(int) zone - 1] = true;
        }
      }
      for (int z = 0; z < zoneCount; z++) {
        if (!used[z]) {
          throw new RingFormatException(
              what + "zone " + zoneNames[z] + " is listed but has no node");
        }
      }
    }
    try {
      return strategy == PartitionStrategy.FIXED_PARTITIONS
          ? decodePartitions(in, version, nodes, zones)
          : decodeTokens(in, version, nodes, zones);
    } catch (IllegalArgumentException e) {
      throw new RingFormatException("inconsistent " + what + "ring: " + e.getMessage(), e);
    }
  }

  private static Ring decodePartitions(
      ByteBuffer in, long version, NodeId[] nodes, Map<NodeId, String> zones) {
    int log2 = readByte(in, "log2(Q)");
    if (log2 > Integer.numberOfTrailingZeros(Ring.MAX_PARTITIONS)) {
      throw new RingFormatException("ring size 2^" + log2 + " exceeds " + Ring.MAX_PARTITIONS);
    }
    int q = 1 << log2;
    boolean wide = nodes.length > 256;
    if ((long) q * (wide ? 2 : 1) > in.remaining()) {
      throw new RingFormatException(
          "truncated ring: the owner table of "
              + q
              + " partitions needs more than the "
              + in.remaining()
              + " bytes left");
    }
    List<NodeId> owners = new ArrayList<>(q);
    boolean[] owned = new boolean[nodes.length];
    for (int p = 0; p < q; p++) {
      int owner = in.get() & 0xff;
      if (wide) {
        owner = owner << 8 | (in.get() & 0xff);
      }
      if (owner >= nodes.length) {
        throw new RingFormatException(
            "owner index "
                + owner
                + " of partition "
                + p
                + " is outside [0, "
                + nodes.length
                + ")");
      }
      owners.add(nodes[owner]);
      owned[owner] = true;
    }
    for (int i = 0; i < nodes.length; i++) {
      if (!owned[i]) {
        // Not canonical: a ring's node list is exactly the nodes that own partitions.
        throw new RingFormatException("node " + nodes[i] + " is listed but owns no partition");
      }
    }
    return Ring.ofPartitions(version, owners, zones);
  }

  private static Ring decodeTokens(
      ByteBuffer in, long version, NodeId[] nodes, Map<NodeId, String> zones) {
    TreeMap<Token, NodeId> tokens = new TreeMap<>();
    byte[] buffer = new byte[Token.BYTES];
    for (NodeId node : nodes) {
      int count = readCount(in, "token count", Token.BYTES);
      Token previous = null;
      for (int i = 0; i < count; i++) {
        in.get(buffer);
        Token token = Token.fromBytes(buffer);
        if (previous != null && token.compareTo(previous) <= 0) {
          throw new RingFormatException("tokens of " + node + " must be strictly ascending");
        }
        if (tokens.putIfAbsent(token, node) != null) {
          throw new RingFormatException("token " + token + " is claimed by two nodes");
        }
        previous = token;
      }
    }
    if (tokens.isEmpty()) {
      throw new RingFormatException("a strategy-1 ring has at least one token");
    }
    return Ring.ofTokens(version, tokens, zones);
  }

  private static String decodeUtf8(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new RingFormatException("zone name is not valid UTF-8", e);
    }
  }

  private static int readByte(ByteBuffer in, String what) {
    if (!in.hasRemaining()) {
      throw new RingFormatException(
          "truncated ring: expected " + what + " at byte " + in.position());
    }
    return in.get() & 0xff;
  }

  private static byte[] readBytes(ByteBuffer in, int length, String what) {
    if (length > in.remaining()) {
      throw new RingFormatException(
          "truncated ring: " + what + " of " + length + " bytes, only " + in.remaining() + " left");
    }
    byte[] bytes = new byte[length];
    in.get(bytes);
    return bytes;
  }

  /** A count of items each taking at least {@code minBytesEach} bytes of what is left. */
  private static int readCount(ByteBuffer in, String what, int minBytesEach) {
    long count = readVarLong(in, what);
    if (count < 0 || count > in.remaining() / minBytesEach) {
      throw new RingFormatException(
          what + " " + count + " cannot fit in the " + in.remaining() + " bytes left");
    }
    return (int) count;
  }

  private static long readVarLong(ByteBuffer in, String what) {
    long value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      int b = readByte(in, what);
      if (shift == 63 && (b & 0x7e) != 0) {
        throw new RingFormatException(what + " overflows 64 bits");
      }
      value |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        if (b == 0 && shift > 0) {
          throw new RingFormatException(what + " is not minimally encoded");
        }
        return value;
      }
    }
    throw new RingFormatException(what + " is longer than 10 bytes");
  }

  private static void writeVarLong(ByteArrayOutputStream out, long value) {
    while ((value & ~0x7fL) != 0) {
      out.write((int) ((value & 0x7f) | 0x80));
      value >>>= 7;
    }
    out.write((int) value);
  }
}
