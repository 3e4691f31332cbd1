/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.merkle;

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
import io.dynamokv.core.wire.PeerProtocol;
import io.dynamokv.core.wire.WireFormat;
import io.dynamokv.core.wire.WireReader;
import io.dynamokv.core.wire.WireWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * The anti-entropy protocol (peer protocol {@value #ID}, family {@code anti-entropy}): {@link
 * AntiEntropyMessage}s in binary, sized for the exchange's byte budget.
 *
 * <p>Format 1: the format byte, a tag byte, then the fields. {@code varint} is an unsigned LEB128
 * varint, {@code hash64} 8 bytes big-endian, {@code bytes} a varint length and the bytes, {@code
 * string} the same in UTF-8. {@code tree} is {@code string store, varint partition, varint
 * ringVersion}.
 *
 * <table>
 *   <caption>messages</caption>
 *   <tr><th>tag</th><th>message</th><th>fields</th></tr>
 *   <tr><td>1</td><td>{@link CompareRoot}</td><td>tree, hash64 hash, varint count</td></tr>
 *   <tr><td>2</td><td>{@link RootMatch}</td><td>none</td></tr>
 *   <tr><td>3</td><td>{@link RootDiffers}</td><td>hash64 hash, varint count, hash64 leftHash,
 *       varint leftCount</td></tr>
 *   <tr><td>4</td><td>{@link Descend}</td><td>tree, byte depth (0 to 48), varint n (at least 1),
 *       n × varint {@code (index - previousIndex - 1) << 1 | wantKeys} (previous index -1 for the
 *       first)</td></tr>
 *   <tr><td>5</td><td>{@link DescendReply}</td><td>varint n, n × answer: varint {@code count << 1}
 *       then hash64 (a left child), or varint {@code keys << 1 | 1} then keys × (bytes key, hash64
 *       digest) (a key list)</td></tr>
 *   <tr><td>6</td><td>{@link Sync}</td><td>tree, byte pullOnly (0 or 1), varint n, n × (bytes key,
 *       bytes siblings)</td></tr>
 *   <tr><td>7</td><td>{@link SyncReply}</td><td>varint n, n × (byte flags: 1 changed, 2 a set
 *       follows, 4 deferred (never with 2); then bytes siblings, non-empty, if flag 2)</td></tr>
 *   <tr><td>8</td><td>{@link Refused}</td><td>byte reason (ordinal + 1), varint ringVersion</td></tr>
 *   <tr><td>9</td><td>{@link PurgeCheck}</td><td>tree, varint n, n × (bytes key, hash64
 *       digest)</td></tr>
 *   <tr><td>10</td><td>{@link Purge}</td><td>tree, varint n, n × (bytes key, hash64 digest)</td></tr>
 *   <tr><td>11</td><td>{@link PurgeReply}</td><td>varint n, ⌈n/8⌉ bytes: bit i (LSB first) the
 *       answer for entry i, unused bits 0</td></tr>
 * </table>
 *
 * <p>Decoding refuses an unknown format, tag or reason, truncation, trailing bytes, non-canonical
 * forms, indexes outside the depth and counts beyond what the remaining bytes can hold with an
 * {@link io.dynamokv.core.InvalidRequestException}, so it never allocates more than the input
 * justifies. Sibling sets stay encoded: their receiver decodes them with the version codec.
 */
public final class AntiEntropyCodec implements PeerProtocol<AntiEntropyMessage> {
  /** The protocol's id on the wire. */
  public static final int ID = 4;

  /** Versions of the anti-entropy encoding this node reads. */
  public static final WireFormat WIRE_FORMAT = new WireFormat("anti-entropy", 1, 1);

  /** The protocol, for a node's registry. */
  public static final AntiEntropyCodec PROTOCOL = new AntiEntropyCodec();

  private static final int COMPARE_ROOT = 1;
  private static final int ROOT_MATCH = 2;
  private static final int ROOT_DIFFERS = 3;
  private static final int DESCEND = 4;
  private static final int DESCEND_REPLY = 5;
  private static final int SYNC = 6;
  private static final int SYNC_REPLY = 7;
  private static final int REFUSED = 8;
  private static final int PURGE_CHECK = 9;
  private static final int PURGE = 10;
  private static final int PURGE_REPLY = 11;

  private static final int CHANGED = 1;
  private static final int HAS_SET = 2;
  private static final int DEFERRED = 4;

  private static final Reason[] REASONS = Reason.values();
  private static final Encoder ENCODER = new Encoder();

  private AntiEntropyCodec() {}

  @Override
  public int id() {
    return ID;
  }

  @Override
  public WireFormat format() {
    return WIRE_FORMAT;
  }

  @Override
  public Class<AntiEntropyMessage> messages() {
    return AntiEntropyMessage.class;
  }

  @Override
  public byte[] encode(AntiEntropyMessage message) {
    return message.accept(ENCODER).toByteArray();
  }

  /** The size of {@code message}'s encoding in bytes (the payload an exchange counts). */
  public int size(AntiEntropyMessage message) {
    return encode(message).length;
  }

  @Override
  public AntiEntropyMessage decode(byte[] bytes) {
    WireReader in = new WireReader("anti-entropy message", bytes);
    in.format(WIRE_FORMAT);
    int tag = in.u8("tag");
    AntiEntropyMessage m;
    try {
      m =
          switch (tag) {
            case COMPARE_ROOT ->
                new CompareRoot(
                    in.string("store"),
                    in.varint("partition", Integer.MAX_VALUE),
                    in.varint("ring version"),
                    hash(in, "hash"),
                    in.varint("count"));
            case ROOT_MATCH -> new RootMatch();
            case ROOT_DIFFERS ->
                new RootDiffers(
                    hash(in, "hash"),
                    in.varint("count"),
                    hash(in, "left hash"),
                    in.varint("left count"));
            case DESCEND -> descend(in, bytes.length);
            case DESCEND_REPLY -> descendReply(in, bytes.length);
            case SYNC -> sync(in, bytes.length);
            case SYNC_REPLY -> syncReply(in, bytes.length);
            case REFUSED -> refused(in);
            case PURGE_CHECK -> {
              String store = in.string("store");
              int partition = in.varint("partition", Integer.MAX_VALUE);
              long ringVersion = in.varint("ring version");
              yield new PurgeCheck(store, partition, ringVersion, keyEntries(in, bytes.length));
            }
            case PURGE -> {
              String store = in.string("store");
              int partition = in.varint("partition", Integer.MAX_VALUE);
              long ringVersion = in.varint("ring version");
              yield new Purge(store, partition, ringVersion, keyEntries(in, bytes.length));
            }
            case PURGE_REPLY -> purgeReply(in, bytes.length);
            default -> throw in.malformed("unknown message tag " + tag);
          };
    } catch (IllegalArgumentException e) {
      throw in.malformed(e.getMessage());
    }
    in.end();
    return m;
  }

  private static Descend descend(WireReader in, int size) {
    String store = in.string("store");
    int partition = in.varint("partition", Integer.MAX_VALUE);
    long ringVersion = in.varint("ring version");
    int depth = in.u8("depth");
    if (depth > PartitionTree.MAX_DEPTH) {
      throw in.malformed("depth " + depth + " is above " + PartitionTree.MAX_DEPTH);
    }
    // Each probe takes at least one byte, and an index below 2^depth bounds their number too.
    int n = in.varint("probe count", size);
    if (n < 1 || (depth < 31 && n > (1 << depth))) {
      throw in.malformed("probe count " + n + " is impossible here");
    }
    List<Probe> probes = new ArrayList<>(n);
    long previous = -1;
    for (int i = 0; i < n; i++) {
      long v = in.varint("probe");
      long delta = v >>> 1;
      long limit = (1L << depth) - 1 - previous; // index = previous + 1 + delta must stay below it
      if (delta >= limit) {
        throw in.malformed("probe index beyond 2^" + depth + " - 1");
      }
      previous = previous + 1 + delta;
      probes.add(new Probe(previous, (v & 1) == 1));
    }
    return new Descend(store, partition, ringVersion, depth, probes);
  }

  private static DescendReply descendReply(WireReader in, int size) {
    int n = count(in, size, "answer count", 1);
    List<NodeAnswer> answers = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      long head = in.varint("answer");
      if ((head & 1) == 0) {
        answers.add(new LeftChild(hash(in, "left hash"), head >>> 1));
      } else {
        long keys = head >>> 1;
        if (keys > size / 9) {
          throw in.malformed("key list of " + keys + " keys in " + size + " bytes");
        }
        List<KeyEntry> list = new ArrayList<>((int) keys);
        for (long k = 0; k < keys; k++) {
          list.add(new KeyEntry(in.bytes("key"), hash(in, "digest")));
        }
        answers.add(new KeyList(list));
      }
    }
    return new DescendReply(answers);
  }

  private static Sync sync(WireReader in, int size) {
    String store = in.string("store");
    int partition = in.varint("partition", Integer.MAX_VALUE);
    long ringVersion = in.varint("ring version");
    int pullOnly = in.u8("pull only");
    if (pullOnly > 1) {
      throw in.malformed("pull only must be 0 or 1, found " + pullOnly);
    }
    int n = count(in, size, "entry count", 2);
    List<KeySet> entries = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      entries.add(new KeySet(in.bytes("key"), in.bytes("siblings")));
    }
    return new Sync(store, partition, ringVersion, pullOnly == 1, entries);
  }

  private static SyncReply syncReply(WireReader in, int size) {
    int n = count(in, size, "result count", 1);
    List<SyncResult> results = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int flags = in.u8("result flags");
      if ((flags & ~(CHANGED | HAS_SET | DEFERRED)) != 0) {
        throw in.malformed("unknown result flags " + flags);
      }
      if ((flags & HAS_SET) != 0 && (flags & DEFERRED) != 0) {
        throw in.malformed("a deferred result carries no set");
      }
      byte[] set = new byte[0];
      if ((flags & HAS_SET) != 0) {
        set = in.bytes("siblings");
        if (set.length == 0) {
          throw in.malformed("a result flagged with a set has an empty one");
        }
      }
      results.add(new SyncResult((flags & CHANGED) != 0, set, (flags & DEFERRED) != 0));
    }
    return new SyncReply(results);
  }

  private static Refused refused(WireReader in) {
    int reason = in.u8("reason");
    if (reason < 1 || reason > REASONS.length) {
      throw in.malformed("unknown refusal reason " + reason);
    }
    return new Refused(REASONS[reason - 1], in.varint("ring version"));
  }

  private static List<KeyEntry> keyEntries(WireReader in, int size) {
    int n = count(in, size, "entry count", 9);
    List<KeyEntry> entries = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      entries.add(new KeyEntry(in.bytes("key"), hash(in, "digest")));
    }
    return entries;
  }

  private static PurgeReply purgeReply(WireReader in, int size) {
    int n = in.varint("answer count", 8 * size);
    List<Boolean> answers = new ArrayList<>(n);
    int bits = 0;
    for (int i = 0; i < n; i++) {
      if (i % 8 == 0) {
        bits = in.u8("answers");
      }
      answers.add((bits >>> (i % 8) & 1) != 0);
    }
    if (n % 8 != 0 && bits >>> (n % 8) != 0) {
      throw in.malformed("unused answer bits are set");
    }
    return new PurgeReply(answers);
  }

  /** A count of items of at least {@code minBytes} each, which the whole input bounds. */
  private static int count(WireReader in, int size, String field, int minBytes) {
    return in.varint(field, size / minBytes);
  }

  private static long hash(WireReader in, String field) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | in.u8(field);
    }
    return v;
  }

  private static WireWriter hash(WireWriter out, long v) {
    for (int i = 7; i >= 0; i--) {
      out.u8((int) (v >>> (8 * i)) & 0xFF);
    }
    return out;
  }

  /** Writes each message type in format 1. */
  private static final class Encoder implements AntiEntropyMessage.Visitor<WireWriter> {
    private static WireWriter start(int tag) {
      return WireWriter.withFormat(1).u8(tag);
    }

    private static WireWriter tree(int tag, AntiEntropyMessage.Request r) {
      return start(tag).string(r.store()).varint(r.partition()).varint(r.ringVersion());
    }

    @Override
    public WireWriter compareRoot(CompareRoot m) {
      return hash(tree(COMPARE_ROOT, m), m.hash()).varint(m.count());
    }

    @Override
    public WireWriter rootMatch(RootMatch m) {
      return start(ROOT_MATCH);
    }

    @Override
    public WireWriter rootDiffers(RootDiffers m) {
      WireWriter out = hash(start(ROOT_DIFFERS), m.hash()).varint(m.count());
      return hash(out, m.leftHash()).varint(m.leftCount());
    }

    @Override
    public WireWriter descend(Descend m) {
      WireWriter out = tree(DESCEND, m).u8(m.depth()).varint(m.probes().size());
      long previous = -1;
      for (Probe p : m.probes()) {
        out.varint((p.index() - previous - 1) << 1 | (p.wantKeys() ? 1 : 0));
        previous = p.index();
      }
      return out;
    }

    @Override
    public WireWriter descendReply(DescendReply m) {
      WireWriter out = start(DESCEND_REPLY).varint(m.answers().size());
      for (NodeAnswer a : m.answers()) {
        if (a instanceof LeftChild c) {
          hash(out.varint(c.count() << 1), c.hash());
        } else if (a instanceof KeyList list) {
          out.varint((long) list.keys().size() << 1 | 1);
          for (KeyEntry e : list.keys()) {
            hash(out.bytes(e.key()), e.digest());
          }
        }
      }
      return out;
    }

    @Override
    public WireWriter sync(Sync m) {
      WireWriter out = tree(SYNC, m).u8(m.pullOnly() ? 1 : 0).varint(m.entries().size());
      for (KeySet e : m.entries()) {
        out.bytes(e.key()).bytes(e.siblings());
      }
      return out;
    }

    @Override
    public WireWriter syncReply(SyncReply m) {
      WireWriter out = start(SYNC_REPLY).varint(m.results().size());
      for (SyncResult r : m.results()) {
        boolean hasSet = r.siblings().length > 0;
        out.u8(
            (r.changed() ? CHANGED : 0) | (hasSet ? HAS_SET : 0) | (r.deferred() ? DEFERRED : 0));
        if (hasSet) {
          out.bytes(r.siblings());
        }
      }
      return out;
    }

    @Override
    public WireWriter refused(Refused m) {
      return start(REFUSED).u8(m.reason().ordinal() + 1).varint(m.ringVersion());
    }

    @Override
    public WireWriter purgeCheck(PurgeCheck m) {
      return keyEntries(tree(PURGE_CHECK, m), m.entries());
    }

    @Override
    public WireWriter purge(Purge m) {
      return keyEntries(tree(PURGE, m), m.entries());
    }

    private static WireWriter keyEntries(WireWriter out, List<KeyEntry> entries) {
      out.varint(entries.size());
      for (KeyEntry e : entries) {
        hash(out.bytes(e.key()), e.digest());
      }
      return out;
    }

    @Override
    public WireWriter purgeReply(PurgeReply m) {
      WireWriter out = start(PURGE_REPLY).varint(m.answers().size());
      int bits = 0;
      for (int i = 0; i < m.answers().size(); i++) {
        if (m.answers().get(i)) {
          bits |= 1 << (i % 8);
        }
        if (i % 8 == 7) {
          out.u8(bits);
          bits = 0;
        }
      }
      if (m.answers().size() % 8 != 0) {
        out.u8(bits);
      }
      return out;
    }
  }
}
