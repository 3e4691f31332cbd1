/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.version;

import io.dynamokv.core.InvalidContextException;
import io.dynamokv.core.NodeId;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * The binary forms of a {@link VectorClock} (the opaque client context) and of a {@link Siblings}
 * set (what storage holds and replicas exchange).
 *
 * <p>Layout, all integers unsigned LEB128 varints:
 *
 * <pre>
 * format version (1 byte, = 1), kind (1 byte: 'C' context, 'S' sibling set)
 * node dictionary: count, then each node id as length + ASCII bytes, strictly ascending
 * [set only] pruned epoch floor + 1
 * entries: count, then each: node index, epoch, counter (at least 1)
 *   [set only] last write millis, value count (at most counter), then each value newest first:
 *     flags (0 value, 1 tombstone), wall millis, length + bytes (a tombstone's optional marker)
 * </pre>
 *
 * The empty clock encodes as zero bytes, so it equals {@code Context.EMPTY}. Entries are in actor
 * order and every dictionary node is used, so the encoding is canonical: equal values have equal
 * bytes (digests of it may feed Merkle trees).
 *
 * <p>Decoding MUST be safe on hostile input: it throws {@link InvalidContextException} for any
 * malformed input (truncated, trailing bytes, unknown version, unsorted or duplicate actors,
 * counters below 1, more values than a counter allows, ...), and never allocates more than the
 * input's length justifies, because every count and length is checked against the bytes left.
 */
public final class VersionCodec {
  /** The format version this codec writes; the first byte of every non-empty encoding. */
  public static final int FORMAT_VERSION = 1;

  private static final int KIND_CONTEXT = 'C';
  private static final int KIND_SIBLINGS = 'S';
  private static final int FLAG_TOMBSTONE = 1;
  private static final int MAX_NODE_ID_BYTES = 64;

  private VersionCodec() {}

  /** Encodes a context; the empty clock gives zero bytes. */
  public static byte[] encode(VectorClock clock) {
    if (clock.isEmpty()) {
      return new byte[0];
    }
    Writer w = new Writer(KIND_CONTEXT);
    List<NodeId> nodes = dictionary(clock);
    w.nodes(nodes);
    w.varint(clock.size());
    for (int i = 0; i < clock.size(); i++) {
      w.actor(nodes, clock.actorAt(i));
      w.varint(clock.counterAt(i));
    }
    return w.bytes();
  }

  /** Encodes a whole sibling set. */
  public static byte[] encode(Siblings siblings) {
    Writer w = new Writer(KIND_SIBLINGS);
    List<NodeId> nodes = dictionary(siblings.context());
    w.nodes(nodes);
    w.varint(siblings.prunedEpochFloor() + 1);
    List<Siblings.Entry> entries = siblings.entries();
    w.varint(entries.size());
    for (Siblings.Entry e : entries) {
      w.actor(nodes, e.actor());
      w.varint(e.counter());
      w.varint(e.lastMillis());
      w.varint(e.values().size());
      for (Versioned v : e.values()) {
        w.out.write(v.isTombstone() ? FLAG_TOMBSTONE : 0);
        w.varint(v.wallMillis());
        w.varint(v.size());
        w.out.writeBytes(v.rawValue());
      }
    }
    return w.bytes();
  }

  /**
   * Decodes a context; zero bytes give the empty clock.
   *
   * @throws InvalidContextException if {@code bytes} is not a context this codec wrote
   */
  public static VectorClock decodeContext(byte[] bytes) {
    if (bytes.length == 0) {
      return VectorClock.empty();
    }
    Reader r = new Reader(bytes, KIND_CONTEXT);
    NodeId[] nodes = r.nodes();
    int count = r.count("entry count", 3);
    Actor[] actors = new Actor[count];
    long[] counters = new long[count];
    boolean[] used = new boolean[nodes.length];
    for (int i = 0; i < count; i++) {
      actors[i] = r.actor(nodes, used, i == 0 ? null : actors[i - 1]);
      counters[i] = r.positive("counter", actors[i]);
    }
    r.finish(used);
    return VectorClock.ofSorted(actors, counters);
  }

  /**
   * Decodes a sibling set.
   *
   * @throws InvalidContextException if {@code bytes} is not a sibling set this codec wrote
   */
  public static Siblings decodeSiblings(byte[] bytes) {
    Reader r = new Reader(bytes, KIND_SIBLINGS);
    NodeId[] nodes = r.nodes();
    long floor = r.varint("pruned epoch floor") - 1;
    int count = r.count("entry count", 5);
    List<Siblings.Entry> entries = new ArrayList<>(count);
    boolean[] used = new boolean[nodes.length];
    Actor previous = null;
    for (int i = 0; i < count; i++) {
      Actor actor = r.actor(nodes, used, previous);
      previous = actor;
      long counter = r.positive("counter", actor);
      long lastMillis = r.varint("last write time", actor);
      int valueCount = r.count("value count", actor, 2);
      if (valueCount > counter) {
        throw r.error(actor + " has " + valueCount + " values but counter " + counter);
      }
      List<Versioned> values = new ArrayList<>(valueCount);
      for (int k = 0; k < valueCount; k++) {
        values.add(r.value());
      }
      entries.add(new Siblings.Entry(actor, counter, values, lastMillis));
    }
    r.finish(used);
    return Siblings.of(entries, floor);
  }

  private static List<NodeId> dictionary(VectorClock clock) {
    TreeSet<NodeId> nodes = new TreeSet<>();
    for (int i = 0; i < clock.size(); i++) {
      nodes.add(clock.actorAt(i).node());
    }
    return new ArrayList<>(nodes);
  }

  private static final class Writer {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Writer(int kind) {
      out.write(FORMAT_VERSION);
      out.write(kind);
    }

    void nodes(List<NodeId> nodes) {
      varint(nodes.size());
      for (NodeId n : nodes) {
        byte[] b = n.value().getBytes(StandardCharsets.US_ASCII);
        varint(b.length);
        out.writeBytes(b);
      }
    }

    void actor(List<NodeId> nodes, Actor actor) {
      varint(java.util.Collections.binarySearch(nodes, actor.node()));
      varint(actor.epoch());
    }

    void varint(long v) {
      while ((v & ~0x7FL) != 0) {
        out.write((int) ((v & 0x7F) | 0x80));
        v >>>= 7;
      }
      out.write((int) v);
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }

  private static final class Reader {
    private final byte[] in;
    private final String what;
    private int pos;

    Reader(byte[] in, int kind) {
      this.in = in;
      this.what = kind == KIND_CONTEXT ? "context" : "stored sibling set";
      if (in.length < 2) {
        throw error("needs at least 2 header bytes, found " + in.length);
      }
      if (in[0] != FORMAT_VERSION) {
        throw error("unknown format version " + (in[0] & 0xFF) + ", expected " + FORMAT_VERSION);
      }
      if (in[1] != kind) {
        throw error(
            "kind byte is "
                + (in[1] & 0xFF)
                + ", expected "
                + kind
                + (in[1] == KIND_CONTEXT || in[1] == KIND_SIBLINGS
                    ? " (a context and a sibling set are not interchangeable)"
                    : ""));
      }
      pos = 2;
    }

    InvalidContextException error(String problem) {
      return new InvalidContextException(
          "invalid "
              + what
              + " at byte "
              + pos
              + " of "
              + in.length
              + ": "
              + problem
              + "; pass back the bytes a server returned, unchanged");
    }

    int remaining() {
      return in.length - pos;
    }

    /** The name of a field in an error message: {@code field}, or "{@code field} of {@code of}". */
    private static String name(String field, Actor of) {
      return of == null ? field : field + " of " + of;
    }

    long varint(String field) {
      return varint(field, null);
    }

    /**
     * Reads a varint named {@code field} (of actor {@code of}, if not null). The name is only built
     * into a string when the input is malformed: decoding is on the hot path.
     */
    long varint(String field, Actor of) {
      long result = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (pos == in.length) {
          throw error("truncated in " + name(field, of));
        }
        int b = in[pos++] & 0xFF;
        if (shift == 63 && b > 0) {
          throw error(name(field, of) + " overflows a signed 64-bit integer");
        }
        result |= (long) (b & 0x7F) << shift;
        if ((b & 0x80) == 0) {
          if (b == 0 && shift > 0) {
            throw error(name(field, of) + " is not minimally encoded");
          }
          return result;
        }
      }
      throw error(name(field, of) + " is longer than 10 bytes");
    }

    long positive(String field, Actor of) {
      long v = varint(field, of);
      if (v < 1) {
        throw error(name(field, of) + " must be >= 1, found " + v);
      }
      return v;
    }

    /** A count of items each taking at least {@code minBytes}, bounded by the bytes left. */
    int count(String field, int minBytes) {
      return count(field, null, minBytes);
    }

    int count(String field, Actor of, int minBytes) {
      long n = varint(field, of);
      if (n > remaining() / minBytes) {
        throw error(
            name(field, of) + " claims " + n + " but only " + remaining() + " bytes are left");
      }
      return (int) n;
    }

    NodeId[] nodes() {
      int count = count("node count", 2);
      NodeId[] nodes = new NodeId[count];
      for (int i = 0; i < count; i++) {
        long length = varint("node id length");
        if (length < 1 || length > MAX_NODE_ID_BYTES || length > remaining()) {
          throw error(
              "node id length "
                  + length
                  + " is not within 1.."
                  + Math.min(MAX_NODE_ID_BYTES, remaining()));
        }
        String s = new String(in, pos, (int) length, StandardCharsets.ISO_8859_1);
        pos += (int) length;
        try {
          nodes[i] = NodeId.of(s);
        } catch (IllegalArgumentException e) {
          throw error(e.getMessage());
        }
        if (i > 0 && nodes[i - 1].compareTo(nodes[i]) >= 0) {
          throw error("node ids are not strictly ascending: " + nodes[i - 1] + ", " + nodes[i]);
        }
      }
      return nodes;
    }

    Actor actor(NodeId[] nodes, boolean[] used, Actor previous) {
      long index = varint("node index");
      if (index >= nodes.length) {
        throw error("node index " + index + " is not below the " + nodes.length + " nodes");
      }
      used[(int) index] = true;
      Actor actor = new Actor(nodes[(int) index], varint("epoch"));
      if (previous != null && previous.compareTo(actor) >= 0) {
        throw error("actors are not strictly ascending: " + previous + ", " + actor);
      }
      return actor;
    }

    Versioned value() {
      if (pos == in.length) {
        throw error("truncated in value flags");
      }
      int flags = in[pos++] & 0xFF;
      if (flags != 0 && flags != FLAG_TOMBSTONE) {
        throw error("unknown value flags " + flags);
      }
      long millis = varint("value time");
      long length = varint("value length");
      if (length > remaining()) {
        throw error("value length " + length + " but only " + remaining() + " bytes are left");
      }
      byte[] value = Arrays.copyOfRange(in, pos, pos + (int) length);
      pos += (int) length;
      return Versioned.wrap(value, flags == FLAG_TOMBSTONE, millis);
    }

    void finish(boolean[] used) {
      if (pos != in.length) {
        throw error(remaining() + " trailing bytes");
      }
      for (int i = 0; i < used.length; i++) {
        if (!used[i]) {
          throw error("node " + i + " of the dictionary is not used");
        }
      }
    }
  }
}
