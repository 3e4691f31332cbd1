/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.membership;

import io.dynamokv.core.DynamoException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.wire.PeerProtocol;
import io.dynamokv.core.wire.WireFormat;
import io.dynamokv.core.wire.WireFormats;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Compact binary form of gossip messages and of the membership state a node persists in its {@code
 * METADATA} keyspace.
 *
 * <p>Format: one format byte, one type tag, then the fields; integers are unsigned LEB128 varints
 * (longs as their two's-complement bits), strings and node ids are varint-length-prefixed UTF-8,
 * collections are varint-count-prefixed and sorted. Format 3 ({@link #FORMAT}) adds to every node
 * state the formats the node reads (a count, then family name and newest version per family);
 * format 2 is the same without them (a node that reads the baseline formats), format 1 without ring
 * epochs either (read as epoch 0). A message or record is written in the oldest of these that can
 * express it, so a cluster whose nodes all read the baseline gossips format 2, which older nodes
 * read; any other format byte is refused, naming the formats this node reads.
 *
 * <p>Decoding is bounded: every length and count is checked against the bytes that remain before
 * anything is allocated, strings are limited to {@link #MAX_STRING_BYTES}, and any malformed input
 * (wrong format, unknown tag, truncation, trailing bytes, invalid node id or status) throws {@link
 * MalformedException} naming what was wrong. Decoding checks structure only: whether the values
 * make sense for the receiving node is {@link Membership}'s validation. Thread-safe (stateless).
 */
public final class MembershipCodec {
  /** The newest format this codec writes: node states carry the formats their node reads. */
  public static final int FORMAT = 3;

  /** {@link #FORMAT} without the formats of node states: what a baseline node writes. */
  public static final int FORMAT_WITHOUT_FORMATS = 2;

  /**
   * The oldest format this codec still reads: {@link #FORMAT_WITHOUT_FORMATS} without ring epochs.
   */
  public static final int FORMAT_WITHOUT_EPOCH = 1;

  /** The versions of the membership encoding (gossip and persisted state) this node reads. */
  public static final WireFormat WIRE_FORMAT =
      new WireFormat("membership", FORMAT_WITHOUT_EPOCH, FORMAT);

  /** The protocol id of gossip. */
  public static final int PROTOCOL_ID = 2;

  /**
   * Gossip as a peer protocol: messages are encoded here, and arriving bytes are handed over
   * undecoded ({@link GossipMessage.Encoded}), so that {@link Membership} decodes, validates and
   * counts what it refuses.
   */
  public static final PeerProtocol<GossipMessage> PROTOCOL = new GossipProtocol();

  /** The longest address or zone accepted, in UTF-8 bytes. */
  public static final int MAX_STRING_BYTES = 255;

  private static final int TAG_SYN = 1;
  private static final int TAG_ACK = 2;
  private static final int TAG_ACK2 = 3;
  private static final int TAG_ACK2_REPLY = 4;
  private static final int TAG_NODE_STATE = 16;
  private static final int TAG_VIEW = 17;
  private static final int TAG_SELF = 18;
  private static final NodeStatus[] STATUSES = NodeStatus.values();

  private MembershipCodec() {}

  /** What a node persists about itself, see {@link Membership}. */
  public record SelfRecord(NodeState state, long joinGeneration) {}

  /** Input that is not a valid encoding. */
  public static final class MalformedException extends DynamoException {
    private static final long serialVersionUID = 1L;

    public MalformedException(String message) {
      super("malformed membership encoding: " + message);
    }
  }

  private static final class GossipProtocol implements PeerProtocol<GossipMessage> {
    @Override
    public int id() {
      return PROTOCOL_ID;
    }

    @Override
    public WireFormat format() {
      return WIRE_FORMAT;
    }

    @Override
    public Class<GossipMessage> messages() {
      return GossipMessage.class;
    }

    @Override
    public byte[] encode(GossipMessage message) {
      return MembershipCodec.encode(message);
    }

    @Override
    public GossipMessage decode(byte[] bytes) {
      return new GossipMessage.Encoded(bytes);
    }
  }

  // ---- public entry points ----

  /** Encodes a gossip message ({@link GossipMessage.Encoded} as its own bytes). */
  public static byte[] encode(GossipMessage message) {
    if (message instanceof GossipMessage.Encoded e) {
      return e.bytes().clone();
    }
    Writer w = new Writer(false);
    writeMessage(w, message);
    return w.toArray();
  }

  /** The length of {@link #encode(GossipMessage)} without building the array. */
  public static int encodedSize(GossipMessage message) {
    if (message instanceof GossipMessage.Encoded e) {
      return e.bytes().length;
    }
    Writer w = new Writer(true);
    writeMessage(w, message);
    return w.size;
  }

  /** Decodes a gossip message. */
  public static GossipMessage decodeMessage(byte[] bytes) {
    Reader r = new Reader(bytes);
    int tag = r.header();
    GossipMessage m =
        switch (tag) {
          case TAG_SYN -> readSyn(r);
          case TAG_ACK -> readAck(r);
          case TAG_ACK2 -> new GossipMessage.Ack2(readStates(r), readOptionalRing(r));
          case TAG_ACK2_REPLY -> new GossipMessage.Ack2Reply();
          default -> throw new MalformedException("unknown message tag " + tag);
        };
    r.end();
    return m;
  }

  /** Encodes one node state. */
  public static byte[] encode(NodeState state) {
    Writer w = new Writer(false);
    w.header(TAG_NODE_STATE, List.of(state));
    writeState(w, state);
    return w.toArray();
  }

  /** Decodes one node state. */
  public static NodeState decodeNodeState(byte[] bytes) {
    Reader r = new Reader(bytes);
    r.expect(TAG_NODE_STATE);
    NodeState s = readState(r);
    r.end();
    return s;
  }

  /** Encodes a whole view (for persistence). */
  public static byte[] encode(ClusterView view) {
    Writer w = new Writer(false);
    w.header(TAG_VIEW, view.nodes().values());
    writeStates(w, List.copyOf(view.nodes().values()));
    writeRemovals(w, view.removals());
    writeOptionalRing(w, view.ring());
    return w.toArray();
  }

  /** Decodes a whole view. */
  public static ClusterView decodeView(byte[] bytes) {
    Reader r = new Reader(bytes);
    r.expect(TAG_VIEW);
    TreeMap<NodeId, NodeState> nodes = new TreeMap<>();
    for (NodeState s : readStates(r)) {
      nodes.put(s.id(), s);
    }
    SortedMap<NodeId, Removal> removals = readRemovals(r);
    RingState ring = readOptionalRing(r);
    r.end();
    return new ClusterView(nodes, removals, ring);
  }

  /** Encodes a node's record of itself. */
  public static byte[] encode(SelfRecord self) {
    Writer w = new Writer(false);
    w.header(TAG_SELF, List.of(self.state()));
    writeState(w, self.state());
    w.varlong(self.joinGeneration());
    return w.toArray();
  }

  /** Decodes a node's record of itself. */
  public static SelfRecord decodeSelf(byte[] bytes) {
    Reader r = new Reader(bytes);
    r.expect(TAG_SELF);
    SelfRecord s = new SelfRecord(readState(r), r.varlong());
    r.end();
    return s;
  }

  // ---- messages ----

  private static void writeMessage(Writer w, GossipMessage message) {
    if (message instanceof GossipMessage.Syn syn) {
      w.header(TAG_SYN, List.of());
      w.varint(syn.digests().size());
      syn.digests()
          .forEach(
              (id, stamp) -> {
                w.nodeId(id);
                w.varlong(stamp.generation());
                w.varlong(stamp.version());
              });
      w.varlong(syn.ringVersion());
      if (syn.ringAuthor() != null) {
        w.varlong(syn.ringEpoch());
        w.nodeId(syn.ringAuthor());
      }
      writeRemovals(w, syn.removals());
    } else if (message instanceof GossipMessage.Ack ack) {
      w.header(TAG_ACK, ack.states());
      writeStates(w, ack.states());
      writeOptionalRing(w, ack.ring());
      writeRemovals(w, ack.removals());
      w.varint(ack.requests().size());
      ack.requests().forEach(w::nodeId);
      w.varint(ack.wantRing() ? 1 : 0);
    } else if (message instanceof GossipMessage.Ack2 ack2) {
      w.header(TAG_ACK2, ack2.states());
      writeStates(w, ack2.states());
      writeOptionalRing(w, ack2.ring());
    } else if (message instanceof GossipMessage.Ack2Reply) {
      w.header(TAG_ACK2_REPLY, List.of());
    } else {
      throw new IllegalArgumentException("unknown gossip message " + message);
    }
  }

  private static GossipMessage.Syn readSyn(Reader r) {
    int n = r.count(3);
    TreeMap<NodeId, VersionStamp> digests = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      NodeId id = r.nodeId();
      digests.put(id, new VersionStamp(r.varlong(), r.varlong()));
    }
    if (digests.size() != n) {
      throw new MalformedException("duplicate node in digests");
    }
    long ringVersion = r.varlong();
    long ringEpoch = ringVersion != 0 && r.hasEpochs() ? r.varlong() : 0;
    NodeId author = ringVersion == 0 ? null : r.nodeId();
    return new GossipMessage.Syn(digests, ringEpoch, ringVersion, author, readRemovals(r));
  }

  private static GossipMessage.Ack readAck(Reader r) {
    List<NodeState> states = readStates(r);
    RingState ring = readOptionalRing(r);
    SortedMap<NodeId, Removal> removals = readRemovals(r);
    int n = r.count(2);
    SortedSet<NodeId> requests = new TreeSet<>();
    for (int i = 0; i < n; i++) {
      requests.add(r.nodeId());
    }
    int want = r.varint();
    if (want > 1) {
      throw new MalformedException("wantRing flag must be 0 or 1, found " + want);
    }
    return new GossipMessage.Ack(states, ring, removals, requests, want == 1);
  }

  // ---- parts ----

  private static void writeState(Writer w, NodeState s) {
    w.nodeId(s.id());
    w.varlong(s.generation());
    w.varlong(s.version());
    w.varint(s.status().ordinal());
    w.string(s.address());
    w.string(s.zone());
    w.varlong(s.ringVersion());
    if (w.hasFormats()) {
      w.varint(s.formats().size());
      s.formats()
          .forEach(
              (family, version) -> {
                w.string(family);
                w.varint(version);
              });
    }
  }

  private static NodeState readState(Reader r) {
    NodeId id = r.nodeId();
    long generation = r.varlong();
    long version = r.varlong();
    int status = r.varint();
    if (status >= STATUSES.length) {
      throw new MalformedException("unknown node status " + status);
    }
    String address = r.string();
    String zone = r.string();
    long ringVersion = r.varlong();
    TreeMap<String, Integer> formats = new TreeMap<>();
    if (r.hasFormats()) {
      int n = r.count(2);
      if (n > WireFormats.MAX_FAMILIES) {
        throw new MalformedException(
            "a node state lists " + n + " format families, more than " + WireFormats.MAX_FAMILIES);
      }
      for (int i = 0; i < n; i++) {
        String family = r.string();
        int newest = r.varint();
        if (!WireFormat.isName(family) || newest < 1 || newest > 255) {
          throw new MalformedException("not a format family and version: " + family + " " + newest);
        }
        if (formats.put(family, newest) != null) {
          throw new MalformedException("format family " + family + " listed twice");
        }
      }
    }
    return new NodeState(
        id, generation, version, STATUSES[status], address, zone, ringVersion, formats);
  }

  private static void writeStates(Writer w, List<NodeState> states) {
    w.varint(states.size());
    states.forEach(s -> writeState(w, s));
  }

  private static List<NodeState> readStates(Reader r) {
    int n = r.count(8);
    List<NodeState> states = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      states.add(readState(r));
    }
    return states;
  }

  private static void writeRemovals(Writer w, SortedMap<NodeId, Removal> removals) {
    w.varint(removals.size());
    removals
        .values()
        .forEach(
            x -> {
              w.nodeId(x.node());
              w.varlong(x.generation());
              w.nodeId(x.by());
            });
  }

  private static SortedMap<NodeId, Removal> readRemovals(Reader r) {
    int n = r.count(5);
    TreeMap<NodeId, Removal> removals = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      Removal x = new Removal(r.nodeId(), r.varlong(), r.nodeId());
      removals.put(x.node(), x);
    }
    if (removals.size() != n) {
      throw new MalformedException("duplicate node in removals");
    }
    return removals;
  }

  private static void writeOptionalRing(Writer w, RingState ring) {
    if (ring == null) {
      w.varlong(0);
      return;
    }
    w.varlong(ring.version());
    w.varlong(ring.epoch());
    w.nodeId(ring.author());
    w.varint(ring.size());
    w.bytes(ring.ringUnsafe());
  }

  private static RingState readOptionalRing(Reader r) {
    long version = r.varlong();
    if (version == 0) {
      return null;
    }
    if (version < 0) {
      throw new MalformedException("negative ring version " + version);
    }
    long epoch = r.hasEpochs() ? r.varlong() : 0;
    if (epoch < 0) {
      throw new MalformedException("negative ring epoch " + epoch);
    }
    NodeId author = r.nodeId();
    byte[] ring = r.bytes(r.count(1));
    return new RingState(ring, epoch, version, author);
  }

  // ---- primitives ----

  private static final class Writer {
    private final boolean countOnly;
    private byte[] buf;
    private int format = FORMAT_WITHOUT_FORMATS;
    int size;

    Writer(boolean countOnly) {
      this.countOnly = countOnly;
      this.buf = countOnly ? null : new byte[64];
    }

    /** Writes the format byte: the oldest that can express {@code states}. */
    void header(int tag, Collection<NodeState> states) {
      for (NodeState s : states) {
        if (!s.formats().isEmpty()) {
          format = FORMAT;
        }
      }
      put(format);
      put(tag);
    }

    boolean hasFormats() {
      return format >= FORMAT;
    }

    private void ensure(int extra) {
      if (!countOnly && size + extra > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + extra));
      }
    }

    private void put(int b) {
      ensure(1);
      if (!countOnly) {
        buf[size] = (byte) b;
      }
      size++;
    }

    void varint(int v) {
      varlong(v & 0xFFFFFFFFL);
    }

    void varlong(long v) {
      while ((v & ~0x7FL) != 0) {
        put((int) ((v & 0x7F) | 0x80));
        v >>>= 7;
      }
      put((int) v);
    }

    void bytes(byte[] b) {
      ensure(b.length);
      if (!countOnly) {
        System.arraycopy(b, 0, buf, size, b.length);
      }
      size += b.length;
    }

    void string(String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      if (b.length > MAX_STRING_BYTES) {
        throw new IllegalArgumentException(
            "string longer than " + MAX_STRING_BYTES + " UTF-8 bytes: " + s.length() + " chars");
      }
      varint(b.length);
      bytes(b);
    }

    void nodeId(NodeId id) {
      // node ids are ASCII by construction
      varint(id.value().length());
      for (int i = 0; i < id.value().length(); i++) {
        put(id.value().charAt(i));
      }
    }

    byte[] toArray() {
      return Arrays.copyOf(buf, size);
    }
  }

  private static final class Reader {
    private final byte[] in;
    private int pos;
    private int format;

    Reader(byte[] in) {
      if (in == null) {
        throw new MalformedException("null input");
      }
      this.in = in;
    }

    int header() {
      format = u8();
      if (format < FORMAT_WITHOUT_EPOCH || format > FORMAT) {
        throw new MalformedException(
            "unsupported format "
                + format
                + " (this node reads formats "
                + FORMAT_WITHOUT_EPOCH
                + " to "
                + FORMAT
                + "); upgrade the node or check what is sending it this");
      }
      return u8();
    }

    /** Whether the input's format carries ring epochs. */
    boolean hasEpochs() {
      return format >= FORMAT_WITHOUT_FORMATS;
    }

    /** Whether the input's format carries the formats of node states. */
    boolean hasFormats() {
      return format >= FORMAT;
    }

    void expect(int tag) {
      int t = header();
      if (t != tag) {
        throw new MalformedException("expected tag " + tag + ", found " + t);
      }
    }

    void end() {
      if (pos != in.length) {
        throw new MalformedException((in.length - pos) + " trailing bytes at offset " + pos);
      }
    }

    private int u8() {
      if (pos >= in.length) {
        throw new MalformedException("truncated at offset " + pos);
      }
      return in[pos++] & 0xFF;
    }

    long varlong() {
      long v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        int b = u8();
        v |= (long) (b & 0x7F) << shift;
        if ((b & 0x80) == 0) {
          return v;
        }
      }
      throw new MalformedException("varint longer than 10 bytes at offset " + pos);
    }

    int varint() {
      long v = varlong();
      if (v < 0 || v > Integer.MAX_VALUE) {
        throw new MalformedException("value " + v + " out of int range at offset " + pos);
      }
      return (int) v;
    }

    /** A count of elements each at least {@code minBytes} long, checked against the input. */
    int count(int minBytes) {
      int n = varint();
      if ((long) n * minBytes > in.length - pos) {
        throw new MalformedException(
            "count "
                + n
                + " needs at least "
                + (long) n * minBytes
                + " bytes, "
                + (in.length - pos)
                + " remain at offset "
                + pos);
      }
      return n;
    }

    byte[] bytes(int n) {
      if (n > in.length - pos) {
        throw new MalformedException("length " + n + " exceeds the input at offset " + pos);
      }
      byte[] b = Arrays.copyOfRange(in, pos, pos + n);
      pos += n;
      return b;
    }

    String string() {
      int n = varint();
      if (n > MAX_STRING_BYTES) {
        throw new MalformedException("string of " + n + " bytes exceeds " + MAX_STRING_BYTES);
      }
      return new String(bytes(n), StandardCharsets.UTF_8);
    }

    NodeId nodeId() {
      int n = varint();
      if (n < 1 || n > 64) {
        throw new MalformedException("node id length " + n + " not in 1..64 at offset " + pos);
      }
      String s = new String(bytes(n), StandardCharsets.US_ASCII);
      try {
        return new NodeId(s);
      } catch (IllegalArgumentException e) {
        throw new MalformedException(e.getMessage());
      }
    }
  }
}
