/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.version;

import io.dynamokv.core.InvalidContextException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.wire.WireFormat;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The binary forms of a {@link VectorClock} and of a {@link Siblings} set (what storage holds and
 * replicas exchange). A clock's form here is the raw one; what clients receive is the signed form
 * of {@link ContextSigner}, which wraps it.
 *
 * <p>Layout, all integers unsigned LEB128 varints:
 *
 * <pre>
 * format version (1 byte, = 2, or 3 for a set with dots seen beyond its context), kind (1 byte: 'C' clock, 'D' dotted context, 'S' sibling set)
 * node dictionary: count, then each node id as length + ASCII bytes, strictly ascending
 * [clock] entries: count, then each: node index, epoch, counter (at least 1)
 * [dotted context] a clock's entries, then dots: count (1 to {@link CausalContext#MAX_DOTS}), then
 *           each: node index, epoch, counter; ascending, none covered by or directly following
 *           the entries (a {@link CausalContext} in canonical form)
 * [set]   pruned epochs: count, then each: node index, epoch (strictly ascending nodes)
 *         entries: count, then each: node index, epoch, counter (at least 1), last write millis
 *         [format 3] dots seen beyond the entries: count (at least 1), then each: node index,
 *           epoch, counter; ascending, none covered by the entries or directly following them
 *         siblings: count, then each: entry index, counter (1 to the entry's counter),
 *           flags (0 value, 1 tombstone), wall millis, length + bytes (a tombstone's marker)
 * </pre>
 *
 * Entries are in actor order, siblings in {@link Siblings#ORDER} (by dot, then value) without
 * duplicates, and every dictionary node is used, so the encoding is canonical: equal values have
 * equal bytes (digests of it may feed Merkle trees). The empty clock encodes as zero bytes, and a
 * context without dots as its clock, so contexts issued before dots were added stay valid.
 *
 * <p>Format 1 (before dots were written out, when a set could not hold two values under one dot) is
 * still decoded, so data stored by earlier builds stays readable; it is never written.
 *
 * <p>Decoding MUST be safe on hostile input: it throws {@link InvalidContextException} for any
 * malformed input (truncated, trailing bytes, unknown version, unsorted or duplicate actors,
 * counters below 1, a sibling its context does not cover, ...), and never allocates more than the
 * input's length justifies, because every count and length is checked against the bytes left.
 */
public final class VersionCodec {
  /** The format version this codec writes; the first byte of every non-empty encoding. */
  public static final int FORMAT_VERSION = 2;

  private static final int FORMAT_1 = 1;

  /**
   * Format 2 plus the dots a set has seen beyond its context; written only for such sets. A node
   * that reads it also reads contexts with explicit dots ({@link CausalContext}).
   */
  public static final int FORMAT_DOTTED = 3;

  private static final int FORMAT_CLOUD = FORMAT_DOTTED;

  /** The versions of the sibling-set encoding this node reads (contexts have format 2 only). */
  public static final WireFormat WIRE_FORMAT = new WireFormat("siblings", FORMAT_1, FORMAT_CLOUD);

  private static final int KIND_CONTEXT = 'C';
  private static final int KIND_DOTTED = 'D';
  private static final int KIND_SIBLINGS = 'S';
  private static final int FLAG_TOMBSTONE = 1;
  private static final int MAX_NODE_ID_BYTES = 64;

  private VersionCodec() {}

  /** Encodes a clock in the raw form; the empty clock gives zero bytes. */
  public static byte[] encode(VectorClock clock) {
    if (clock.isEmpty()) {
      return new byte[0];
    }
    Writer w = new Writer(KIND_CONTEXT);
    List<NodeId> nodes = dictionary(clock, Collections.emptySortedMap(), List.of());
    w.nodes(nodes);
    w.varint(clock.size());
    for (int i = 0; i < clock.size(); i++) {
      w.actor(nodes, clock.actorAt(i));
      w.varint(clock.counterAt(i));
    }
    return w.bytes();
  }

  /** Encodes a causal context: as its clock when it has no explicit dots. */
  public static byte[] encode(CausalContext context) {
    if (context.dots().isEmpty()) {
      return encode(context.clock());
    }
    Writer w = new Writer(KIND_DOTTED);
    VectorClock clock = context.clock();
    List<NodeId> nodes = dictionary(clock, Collections.emptySortedMap(), context.dots());
    w.nodes(nodes);
    w.varint(clock.size());
    for (int i = 0; i < clock.size(); i++) {
      w.actor(nodes, clock.actorAt(i));
      w.varint(clock.counterAt(i));
    }
    w.dots(nodes, context.dots());
    return w.bytes();
  }

  /** Encodes a whole sibling set. */
  public static byte[] encode(Siblings siblings) {
    List<Dot> cloud = siblings.cloud();
    Writer w = new Writer(cloud.isEmpty() ? FORMAT_VERSION : FORMAT_CLOUD, KIND_SIBLINGS);
    VectorClock clock = siblings.context();
    SortedMap<NodeId, Long> floors = siblings.prunedEpochs();
    List<NodeId> nodes = dictionary(clock, floors, cloud);
    w.nodes(nodes);
    w.varint(floors.size());
    floors.forEach(
        (node, epoch) -> {
          w.varint(java.util.Collections.binarySearch(nodes, node));
          w.varint(epoch);
        });
    w.varint(clock.size());
    for (int i = 0; i < clock.size(); i++) {
      w.actor(nodes, clock.actorAt(i));
      w.varint(clock.counterAt(i));
      w.varint(siblings.lastMillisAt(i));
    }
    if (!cloud.isEmpty()) {
      w.dots(nodes, cloud);
    }
    List<Sibling> list = siblings.siblings();
    w.varint(list.size());
    int entry = 0;
    for (Sibling s : list) {
      while (!clock.actorAt(entry).equals(s.dot().actor())) {
        entry++;
      }
      w.varint(entry);
      w.varint(s.dot().counter());
      Versioned v = s.value();
      w.out.write(v.isTombstone() ? FLAG_TOMBSTONE : 0);
      w.varint(v.wallMillis());
      w.varint(v.size());
      w.out.writeBytes(v.rawValue());
    }
    return w.bytes();
  }

  /**
   * Decodes a raw clock; zero bytes give the empty clock.
   *
   * @throws InvalidContextException if {@code bytes} is not a clock this codec wrote
   */
  public static VectorClock decodeContext(byte[] bytes) {
    if (bytes.length == 0) {
      return VectorClock.empty();
    }
    Reader r = new Reader(bytes, KIND_CONTEXT);
    VectorClock clock = r.clock(r.nodes());
    r.finish();
    return clock;
  }

  /**
   * Decodes a causal context: a raw clock or a dotted context; zero bytes give the empty context.
   *
   * @throws InvalidContextException if {@code bytes} is not a context this codec wrote
   */
  public static CausalContext decodeCausalContext(byte[] bytes) {
    if (bytes.length < 2 || bytes[1] != KIND_DOTTED) {
      return CausalContext.of(decodeContext(bytes));
    }
    Reader r = new Reader(bytes, KIND_DOTTED);
    NodeId[] nodes = r.nodes();
    VectorClock clock = r.clock(nodes);
    List<Dot> dots = r.dots(nodes, CausalContext.MAX_DOTS);
    r.finish();
    CausalContext context = CausalContext.of(clock, dots);
    if (!context.clock().equals(clock) || !context.dots().equals(dots)) {
      throw r.error("dots " + dots + " are not in canonical form beside " + clock);
    }
    return context;
  }

  /**
   * Decodes a sibling set, in the current format or format 1.
   *
   * @throws InvalidContextException if {@code bytes} is not a sibling set this codec wrote
   */
  public static Siblings decodeSiblings(byte[] bytes) {
    Reader r = new Reader(bytes, KIND_SIBLINGS);
    if (r.format == FORMAT_1) {
      return decodeFormat1(r);
    }
    NodeId[] nodes = r.nodes();
    int floorCount = r.count("pruned epoch count", 2);
    TreeMap<NodeId, Long> floors = new TreeMap<>();
    NodeId previous = null;
    for (int i = 0; i < floorCount; i++) {
      NodeId node = nodes[r.index("node index", nodes.length)];
      r.used(node, nodes);
      if (previous != null && previous.compareTo(node) >= 0) {
        throw r.error("pruned epochs are not in strictly ascending node order at " + node);
      }
      previous = node;
      floors.put(node, r.varint("pruned epoch"));
    }
    int count = r.count("entry count", 4);
    Actor[] actors = new Actor[count];
    long[] counters = new long[count];
    long[] millis = new long[count];
    for (int i = 0; i < count; i++) {
      actors[i] = r.actor(nodes, i == 0 ? null : actors[i - 1]);
      counters[i] = r.positive("counter", actors[i]);
      millis[i] = r.varint("last write time", actors[i]);
    }
    VectorClock clock = VectorClock.ofSorted(actors, counters);
    List<Dot> cloud = r.format == FORMAT_CLOUD ? r.dots(nodes, Siblings.MAX_CLOUD) : List.of();
    int siblingCount = r.count("sibling count", 5);
    List<Sibling> siblings = new ArrayList<>(siblingCount);
    for (int k = 0; k < siblingCount; k++) {
      int entry = r.index("sibling's entry index", count);
      long counter = r.positive("sibling counter", actors[entry]);
      if (counter > counters[entry]) {
        throw r.error(
            "sibling "
                + actors[entry]
                + ":"
                + counter
                + " is not covered by its counter "
                + counters[entry]);
      }
      siblings.add(new Sibling(new Dot(actors[entry], counter), r.value()));
    }
    r.finish();
    try {
      return Siblings.of(clock, millis, cloud, siblings, floors);
    } catch (IllegalArgumentException e) {
      throw r.error(e.getMessage());
    }
  }

  /** Format 1: per actor a counter and its newest values, whose dots are implicit. */
  private static Siblings decodeFormat1(Reader r) {
    NodeId[] nodes = r.nodes();
    long floor = r.varint("pruned epoch floor") - 1;
    int count = r.count("entry count", 5);
    Actor[] actors = new Actor[count];
    long[] counters = new long[count];
    long[] millis = new long[count];
    List<Sibling> siblings = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      actors[i] = r.actor(nodes, i == 0 ? null : actors[i - 1]);
      counters[i] = r.positive("counter", actors[i]);
      millis[i] = r.varint("last write time", actors[i]);
      int valueCount = r.count("value count", actors[i], 2);
      if (valueCount > counters[i]) {
        throw r.error(actors[i] + " has " + valueCount + " values but counter " + counters[i]);
      }
      for (int k = 0; k < valueCount; k++) {
        siblings.add(new Sibling(new Dot(actors[i], counters[i] - k), r.value()));
      }
    }
    r.finish();
    siblings.sort(Siblings.ORDER);
    // The old floor held for every node; nodes without an actor in the set lease afresh anyway.
    TreeMap<NodeId, Long> floors = new TreeMap<>();
    if (floor >= 0) {
      for (NodeId node : nodes) {
        floors.put(node, floor);
      }
    }
    try {
      return Siblings.of(VectorClock.ofSorted(actors, counters), millis, siblings, floors);
    } catch (IllegalArgumentException e) {
      throw r.error(e.getMessage());
    }
  }

  private static List<NodeId> dictionary(
      VectorClock clock, SortedMap<NodeId, Long> floors, List<Dot> dots) {
    TreeSet<NodeId> nodes = new TreeSet<>(floors.keySet());
    for (int i = 0; i < clock.size(); i++) {
      nodes.add(clock.actorAt(i).node());
    }
    for (Dot d : dots) {
      nodes.add(d.actor().node());
    }
    return new ArrayList<>(nodes);
  }

  private static final class Writer {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Writer(int kind) {
      this(FORMAT_VERSION, kind);
    }

    Writer(int format, int kind) {
      out.write(format);
      out.write(kind);
    }

    void dots(List<NodeId> nodes, List<Dot> dots) {
      varint(dots.size());
      for (Dot d : dots) {
        actor(nodes, d.actor());
        varint(d.counter());
      }
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
    private final int format;
    private boolean[] used;
    private int pos;

    Reader(byte[] in, int kind) {
      this.in = in;
      this.what =
          kind == KIND_SIBLINGS ? "stored sibling set" : kind == KIND_DOTTED ? "context" : "clock";
      if (in.length < 2) {
        throw error("needs at least 2 header bytes, found " + in.length);
      }
      format = in[0];
      if (format != FORMAT_VERSION
          && !(kind == KIND_SIBLINGS && (format == FORMAT_1 || format == FORMAT_CLOUD))) {
        throw error(
            "unknown format version "
                + (in[0] & 0xFF)
                + ", expected "
                + FORMAT_VERSION
                + (kind == KIND_SIBLINGS ? " (or 1 or 3)" : ""));
      }
      if (in[1] != kind) {
        throw error(
            "kind byte is "
                + (in[1] & 0xFF)
                + ", expected "
                + kind
                + (in[1] == KIND_CONTEXT || in[1] == KIND_SIBLINGS
                    ? " (a clock and a sibling set are not interchangeable)"
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
      used = new boolean[count];
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

    /** A varint that must be below {@code bound}. */
    int index(String field, int bound) {
      long index = varint(field);
      if (index >= bound) {
        throw error(field + " " + index + " is not below " + bound);
      }
      return (int) index;
    }

    void used(NodeId node, NodeId[] nodes) {
      used[java.util.Arrays.binarySearch(nodes, node)] = true;
    }

    VectorClock clock(NodeId[] nodes) {
      int count = count("entry count", 3);
      Actor[] actors = new Actor[count];
      long[] counters = new long[count];
      for (int i = 0; i < count; i++) {
        actors[i] = actor(nodes, i == 0 ? null : actors[i - 1]);
        counters[i] = positive("counter", actors[i]);
      }
      return VectorClock.ofSorted(actors, counters);
    }

    /** A count of 1 to {@code max} dots, each a node index, epoch and counter. */
    List<Dot> dots(NodeId[] nodes, int max) {
      int count = count("dot count", 3);
      if (count < 1 || count > max) {
        throw error("dot count " + count + " is not within 1.." + max);
      }
      List<Dot> dots = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        Actor actor = actor(nodes, null);
        dots.add(new Dot(actor, positive("dot counter", actor)));
      }
      return dots;
    }

    Actor actor(NodeId[] nodes, Actor previous) {
      int index = index("node index", nodes.length);
      used[index] = true;
      Actor actor;
      try {
        actor = new Actor(nodes[index], varint("epoch"));
      } catch (IllegalArgumentException e) {
        throw error(e.getMessage());
      }
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

    void finish() {
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
