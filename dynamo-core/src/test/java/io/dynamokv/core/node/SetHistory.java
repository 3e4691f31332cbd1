/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.dynamokv.core.version.Versioned;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.TreeSet;

/**
 * The history of a set workload (Jepsen's "set", with read-modify-writes) and the causal oracle
 * that judges it.
 *
 * <p>Every put and delete gets a unique write id; a put's value is {@code w<id>:<elements>} and a
 * delete's tombstone carries the marker {@code d<id>}, so every stored version names the write that
 * made it. The oracle never touches the version code under test (no sibling sets, vector clocks or
 * codec): it only knows which read each write's context came from. For a write {@code w}, {@code
 * seen(w)} is the set of write ids visible to that read, closed transitively: a read that returned
 * {@code v1..vk} saw {@code {v1..vk} ∪ seen(v1) ∪ ... ∪ seen(vk)}; a blind write saw nothing.
 *
 * <p>The invariants, for one key:
 *
 * <ol>
 *   <li><b>No acknowledged write lost</b>: every write acknowledged OK is a final version or in
 *       {@code seen()} of one, unless a crash that lost unflushed commits took the last copy any
 *       node held of it (see {@link #lostWithTheirLastCopy}).
 *   <li><b>No invented or duplicated siblings</b>: every version any read returned is a write of
 *       that key that was issued and not definitely failed, with exactly the bytes it wrote; it
 *       appears at most once per read; and the versions of a read form an antichain of {@code
 *       seen()}. Together with 1, the final versions are exactly the maximal elements of the writes
 *       that landed, where writes of unknown outcome may or may not have landed.
 *   <li><b>One answer</b>: the final R=N read gives the same versions and context through every
 *       coordinator.
 * </ol>
 */
final class SetHistory {
  /** A request's outcome as its client saw it. */
  enum Outcome {
    PENDING,
    /** Acknowledged. */
    OK,
    /** Definitely not applied: rejected before anything was written. */
    FAILED,
    /** Anything after sending that is not an acknowledgement: may or may not have applied. */
    UNKNOWN
  }

  /** One put or delete. */
  static final class Write {
    final int id;
    final int client;
    final String key;
    final boolean delete;
    final int node;
    final int quorum;
    final long timeoutMillis;

    /** The read whose context the write carried; 0 for a blind or chained write. */
    final int readId;

    /** Where the write's context came from, for the history: none, a read, or a write. */
    final String origin;

    final BitSet seen;
    final byte[] value;
    final long invokedNanos;
    Outcome outcome = Outcome.PENDING;
    String error = "";
    long completedNanos = -1;
    boolean timedOut;

    Write(
        int id,
        int client,
        String key,
        boolean delete,
        int node,
        int quorum,
        long timeoutMillis,
        int readId,
        String origin,
        BitSet seen,
        byte[] value,
        long invokedNanos) {
      this.id = id;
      this.client = client;
      this.key = key;
      this.delete = delete;
      this.node = node;
      this.quorum = quorum;
      this.timeoutMillis = timeoutMillis;
      this.readId = readId;
      this.origin = origin;
      this.seen = seen;
      this.value = value;
      this.invokedNanos = invokedNanos;
    }

    @Override
    public String toString() {
      return String.format(
          "%9.3f ms c%d %s w%d via n%d W=%s t=%dms ctx=%s seen=%s -> %s%s",
          invokedNanos / 1e6,
          client,
          delete ? "delete" : origin.equals("none") ? "blind-put" : "put",
          id,
          node,
          quorum == 0 ? "default" : Integer.toString(quorum),
          timeoutMillis,
          origin,
          seen,
          outcome,
          error.isEmpty() ? "" : " (" + error + ")");
    }
  }

  /** One read (internal read, tombstones included). */
  static final class Read {
    final int id;
    final int client;
    final String key;
    final int node;
    final int quorum;
    final long invokedNanos;
    Outcome outcome = Outcome.PENDING;
    String error = "";
    int[] versions = new int[0];
    int live;
    BitSet saw = new BitSet();

    Read(int id, int client, String key, int node, int quorum, long invokedNanos) {
      this.id = id;
      this.client = client;
      this.key = key;
      this.node = node;
      this.quorum = quorum;
      this.invokedNanos = invokedNanos;
    }

    @Override
    public String toString() {
      return String.format(
          "%9.3f ms c%d read r%d via n%d R=%s -> %s%s",
          invokedNanos / 1e6,
          client,
          id,
          node,
          quorum == 0 ? "default" : Integer.toString(quorum),
          outcome,
          outcome == Outcome.OK
              ? " versions=" + Arrays.toString(versions) + " live=" + live
              : error.isEmpty() ? "" : " (" + error + ")");
    }
  }

  private final List<Write> writes = new ArrayList<>(); // index id - 1
  private final List<Read> reads = new ArrayList<>(); // index id - 1
  private final List<String> violations = new ArrayList<>();
  private final TreeSet<String> violatingKeys = new TreeSet<>();
  private final BitSet exempt = new BitSet();
  private int readsWithSiblings;
  private boolean purges;

  /** Records an invoked read. */
  Read invokeRead(int client, String key, int node, int quorum, long now) {
    Read read = new Read(reads.size() + 1, client, key, node, quorum, now);
    reads.add(read);
    return read;
  }

  /**
   * Records an invoked write. Its {@code seen()} is what {@code fromRead} saw, or nothing for a
   * blind write ({@code fromRead == null}). A put's value holds {@code elements} and the write's id
   * as its new element; a delete's marker is {@code d<id>}.
   */
  Write invokeWrite(
      int client,
      String key,
      boolean delete,
      int node,
      int quorum,
      long timeoutMillis,
      Read fromRead,
      List<Integer> elements,
      long now) {
    BitSet seen = fromRead == null ? new BitSet() : (BitSet) fromRead.saw.clone();
    return add(
        client,
        key,
        delete,
        node,
        quorum,
        timeoutMillis,
        fromRead == null ? 0 : fromRead.id,
        fromRead == null ? "none" : "r" + fromRead.id,
        seen,
        elements,
        now);
  }

  /**
   * Records an invoked put that carries the context an earlier acknowledged write {@code from}
   * returned. The server returns either exactly the written version's context (then the new put saw
   * {@code from} and all it saw) or, when it cannot say that exactly, the context {@code from}
   * carried (then it saw what {@code from} saw): {@code contextGrew} tells which, by comparing the
   * opaque bytes only.
   */
  Write invokeChainedWrite(
      int client,
      String key,
      int node,
      int quorum,
      long timeoutMillis,
      Write from,
      boolean contextGrew,
      long now) {
    BitSet seen = (BitSet) from.seen.clone();
    if (contextGrew) {
      seen.set(from.id);
    }
    List<Integer> elements = new ArrayList<>();
    if (!from.delete) {
      String text = new String(from.value, UTF_8);
      for (String e : text.substring(text.indexOf(':') + 1).split(",")) {
        elements.add(Integer.parseInt(e));
      }
    }
    return add(
        client,
        key,
        false,
        node,
        quorum,
        timeoutMillis,
        0,
        "w" + from.id + (contextGrew ? " (its version)" : " (its context)"),
        seen,
        elements,
        now);
  }

  private Write add(
      int client,
      String key,
      boolean delete,
      int node,
      int quorum,
      long timeoutMillis,
      int readId,
      String origin,
      BitSet seen,
      List<Integer> elements,
      long now) {
    int id = writes.size() + 1;
    byte[] value;
    if (delete) {
      value = ("d" + id).getBytes(UTF_8);
    } else {
      StringBuilder text = new StringBuilder("w").append(id).append(':');
      for (int element : elements) {
        text.append(element).append(',');
      }
      text.append(id); // the write's own, unique element
      value = text.toString().getBytes(UTF_8);
    }
    Write write =
        new Write(
            id, client, key, delete, node, quorum, timeoutMillis, readId, origin, seen, value, now);
    writes.add(write);
    return write;
  }

  /** The write ids of versions as the workload encodes them, or -1 for a foreign version. */
  static int writeIdOf(Versioned version) {
    String text = new String(version.value(), UTF_8);
    try {
      if (version.isTombstone()) {
        return text.startsWith("d") ? Integer.parseInt(text.substring(1)) : -1;
      }
      int colon = text.indexOf(':');
      return text.startsWith("w") && colon > 1 ? Integer.parseInt(text.substring(1, colon)) : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** The set elements a put's version carries (none for a tombstone). */
  static List<Integer> elementsOf(Versioned version) {
    if (version.isTombstone()) {
      return List.of();
    }
    String text = new String(version.value(), UTF_8);
    String list = text.substring(text.indexOf(':') + 1);
    List<Integer> out = new ArrayList<>();
    if (!list.isEmpty()) {
      for (String e : list.split(",")) {
        out.add(Integer.parseInt(e));
      }
    }
    return out;
  }

  /**
   * Records a successful read and checks its versions (invariant 2): each names a write of this
   * key, with its bytes, at most once, and none is in {@code seen()} of another.
   */
  void readReturned(Read read, List<Versioned> versions, long now) {
    read.outcome = Outcome.OK;
    read.versions = checkVersions("read r" + read.id + " via n" + read.node, read.key, versions);
    read.live = (int) versions.stream().filter(v -> !v.isTombstone()).count();
    if (read.live >= 2) {
      readsWithSiblings++;
    }
    BitSet saw = new BitSet();
    for (int id : read.versions) {
      if (id > 0) {
        saw.set(id);
        saw.or(writes.get(id - 1).seen);
      }
    }
    read.saw = saw;
  }

  void readFailed(Read read, String error) {
    read.outcome = Outcome.UNKNOWN;
    read.error = error;
  }

  void writeCompleted(Write write, Outcome outcome, String error, long now) {
    write.outcome = outcome;
    write.error = error;
    write.completedNanos = now;
    write.timedOut =
        outcome == Outcome.UNKNOWN && (now - write.invokedNanos) / 1_000_000 >= write.timeoutMillis;
  }

  private int[] checkVersions(String where, String key, List<Versioned> versions) {
    int[] ids = new int[versions.size()];
    BitSet present = new BitSet();
    for (int i = 0; i < versions.size(); i++) {
      Versioned v = versions.get(i);
      int id = writeIdOf(v);
      ids[i] = id;
      if (id < 1 || id > writes.size()) {
        violationOf(key, where + " returned a version no write issued: " + v);
        ids[i] = -1;
        continue;
      }
      Write w = writes.get(id - 1);
      if (!w.key.equals(key) || w.delete != v.isTombstone() || !Arrays.equals(w.value, v.value())) {
        violationOf(key, where + " returned w" + id + " altered or under the wrong key: " + v);
      }
      if (w.outcome == Outcome.FAILED) {
        violationOf(key, where + " returned w" + id + ", which failed definitely: " + w.error);
      }
      if (present.get(id)) {
        violationOf(key, where + " returned w" + id + " twice (duplicated sibling)");
      }
      present.set(id);
    }
    for (int a : ids) {
      for (int b : ids) {
        if (a > 0 && b > 0 && a != b && writes.get(b - 1).seen.get(a)) {
          violationOf(
              key,
              where
                  + " returned w"
                  + a
                  + " beside w"
                  + b
                  + ", which saw it (not an antichain: a superseded version survived)");
        }
      }
    }
    return ids;
  }

  /**
   * Checks the final R=N reads of {@code key}, one per coordinating node (invariants 1, 2, 3).
   *
   * @param perNode the versions each node's read returned, in node order
   * @param contexts the context bytes each node's read returned, in node order
   */
  void checkFinal(String key, List<List<Versioned>> perNode, List<byte[]> contexts) {
    List<Integer> first = null;
    boolean firstDeleted = false;
    for (int i = 0; i < perNode.size(); i++) {
      List<Versioned> versions = perNode.get(i);
      int[] ids = checkVersions("final R=N read via n" + (i + 1), key, versions);
      List<Integer> sorted = Arrays.stream(ids).sorted().boxed().toList();
      // Once purges may run, a key of tombstones alone may be purged between two of these reads:
      // its tombstones and its absence both read as deleted.
      boolean deleted = purges && versions.stream().allMatch(Versioned::isTombstone);
      List<Integer> compared = deleted ? List.of() : sorted;
      if (first == null) {
        first = compared;
        firstDeleted = deleted;
        checkNoAcknowledgedWriteLost(key, ids);
        checkNoResurrection(key, sorted, "the final R=N read via n" + (i + 1));
      } else if (!first.equals(compared)
          || (!(deleted && firstDeleted) && !Arrays.equals(contexts.get(0), contexts.get(i)))) {
        violationOf(
            key,
            "final R=N reads disagree: via n1 "
                + first
                + ", via n"
                + (i + 1)
                + " "
                + sorted
                + (Arrays.equals(contexts.get(0), contexts.get(i)) ? "" : " (contexts differ)"));
      }
    }
    if (perNode.size() > 0 && perNode.get(0).stream().filter(v -> !v.isTombstone()).count() >= 2) {
      readsWithSiblings++;
    }
  }

  /** Once every outcome is known: no read returned a write that failed definitely. */
  void checkReadsAgainstOutcomes() {
    for (Read read : reads) {
      for (int id : read.versions) {
        if (id > 0 && writes.get(id - 1).outcome == Outcome.FAILED) {
          violationOf(
              read.key,
              "read r"
                  + read.id
                  + " returned w"
                  + id
                  + ", which failed definitely: "
                  + writes.get(id - 1).error);
        }
      }
    }
  }

  /**
   * With strict quorums (handoff off), R + W > N makes every read meet every acknowledged write: a
   * read at R that completed OK after write w of its key was acknowledged at W, with R + W > N,
   * returned w or a version that saw it, unless w lost its last copy ({@link
   * #lostWithTheirLastCopy}) or two or more owners of the key lost data between w's acknowledgement
   * and the read (a double fault: each may have been the one copy the other lacked when it
   * completed its partition). A replica that lost data and answers at once, as if it held its
   * partitions completely, fails this.
   *
   * @param losses data losses: {@code {nanos, node index}} each
   */
  void checkReadsMeetAcknowledgedWrites(
      int n,
      int defaultQuorum,
      java.util.function.Function<String, java.util.Set<Integer>> ownersOf,
      List<long[]> losses) {
    for (Read r : reads) {
      if (r.outcome != Outcome.OK) {
        continue;
      }
      int rq = r.quorum == 0 ? defaultQuorum : r.quorum;
      java.util.Set<Integer> owners = ownersOf.apply(r.key);
      for (Write w : writes) {
        int wq = w.quorum == 0 ? defaultQuorum : w.quorum;
        if (!w.key.equals(r.key)
            || w.outcome != Outcome.OK
            || w.completedNanos >= r.invokedNanos
            || rq + wq <= n
            || exempt.get(w.id)
            || r.saw.get(w.id)) {
          continue;
        }
        java.util.Set<Long> lost = new java.util.TreeSet<>();
        for (long[] loss : losses) {
          if (loss[0] > w.completedNanos
              && loss[0] < r.invokedNanos
              && owners.contains((int) loss[1])) {
            lost.add(loss[1]);
          }
        }
        if (lost.size() < 2) {
          violationOf(
              r.key,
              "read r"
                  + r.id
                  + " via n"
                  + r.node
                  + " at R="
                  + rq
                  + " missed write w"
                  + w.id
                  + " acknowledged at W="
                  + wq
                  + " before it began (R + W > N = "
                  + n
                  + ")"
                  + (lost.isEmpty() ? "" : "; owner n" + lost.iterator().next() + " lost data"));
        }
      }
    }
  }

  /**
   * Tombstones may have been purged: a key read as absent is judged against its deletes (see {@link
   * #checkNoAcknowledgedWriteLost}).
   */
  void allowPurges() {
    purges = true;
  }

  /** {@code ids} and every write they saw. */
  BitSet withWhatTheySaw(BitSet ids) {
    BitSet out = (BitSet) ids.clone();
    ids.stream().forEach(id -> out.or(writes.get(id - 1).seen));
    return out;
  }

  /**
   * A crash lost the commits holding the last copy of {@code ids} (writes of {@code key}): a loss
   * the node's durability allows, so the oracle no longer requires them to survive.
   */
  void lostWithTheirLastCopy(String key, BitSet ids) {
    exempt.or(ids);
  }

  /** The writes of {@code key} acknowledged OK so far. */
  BitSet acknowledgedOf(String key) {
    BitSet ids = new BitSet();
    for (Write w : writes) {
      if (w.key.equals(key) && w.outcome == Outcome.OK) {
        ids.set(w.id);
      }
    }
    return ids;
  }

  /** Lifts the exemption of every write some node holds again (a copy in flight landed). */
  void heldAgain(java.util.Map<String, BitSet> heldByKey) {
    heldByKey.values().forEach(exempt::andNot);
  }

  /** How many writes acknowledged OK were exempted because a crash took their last copy. */
  long exemptWrites() {
    return writes.stream().filter(w -> w.outcome == Outcome.OK && exempt.get(w.id)).count();
  }

  private void checkNoAcknowledgedWriteLost(String key, int[] finalIds) {
    BitSet covered = new BitSet();
    for (int id : finalIds) {
      if (id > 0) {
        covered.set(id);
        covered.or(writes.get(id - 1).seen);
      }
    }
    if (purges) {
      // A delete that is neither final nor seen by a final version was purged (only a set of
      // deletes ever is): what it covered is gone with it, as it should be. Anything else
      // acknowledged must still be there.
      for (Write d : writes) {
        if (d.delete && d.key.equals(key) && d.outcome != Outcome.FAILED) {
          covered.set(d.id);
          covered.or(d.seen);
        }
      }
    }
    for (Write w : writes) {
      if (w.key.equals(key) && w.outcome == Outcome.OK && !covered.get(w.id) && !exempt.get(w.id)) {
        violationOf(
            key,
            "acknowledged write w"
                + w.id
                + " lost: neither a final version nor seen by one; final="
                + Arrays.toString(finalIds));
      }
    }
  }

  /**
   * No resurrection: {@code ids} (versions of {@code key} some read or replica holds once the
   * cluster is quiet) include no version that an acknowledged delete's context covered. A write
   * concurrent with the delete may survive beside its tombstone; what the delete saw may not. A
   * delete whose last copy a crash lost (a loss its node's durability allows) protects nothing.
   */
  void checkNoResurrection(String key, List<Integer> ids, String where) {
    for (Write d : writes) {
      if (!d.delete || !d.key.equals(key) || d.outcome != Outcome.OK || exempt.get(d.id)) {
        continue;
      }
      for (int id : ids) {
        if (id > 0 && d.seen.get(id)) {
          violationOf(
              key,
              where
                  + " holds w"
                  + id
                  + ", which acknowledged delete w"
                  + d.id
                  + " covered (resurrected)");
        }
      }
    }
  }

  void violationOf(String key, String what) {
    violations.add("key " + key + ": " + what);
    violatingKeys.add(key);
  }

  List<String> violations() {
    return violations;
  }

  List<Write> writes() {
    return writes;
  }

  List<Read> reads() {
    return reads;
  }

  int readsWithSiblings() {
    return readsWithSiblings;
  }

  /**
   * The operations of the first violation's key that matter to it, at most {@code max} of them: the
   * writes it names, the reads that returned them and the writes made from those reads.
   */
  String excerpt(int max) {
    if (violations.isEmpty()) {
      return "";
    }
    String first = violations.get(0);
    String key = first.substring("key ".length(), first.indexOf(':'));
    BitSet named = new BitSet();
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("w(\\d+)|(\\d+)[,\\]]").matcher(first);
    while (m.find()) {
      String id = m.group(1) != null ? m.group(1) : m.group(2);
      if (id.length() <= 9) { // not a write id: a timestamp, a ring's epoch
        named.set(Integer.parseInt(id));
      }
    }
    List<Object> ops = new ArrayList<>();
    BitSet readsOfNamed = new BitSet();
    for (Read r : reads) {
      if (r.key.equals(key) && Arrays.stream(r.versions).anyMatch(id -> id > 0 && named.get(id))) {
        ops.add(r);
        readsOfNamed.set(r.id);
      }
    }
    for (Write w : writes) {
      if (w.key.equals(key) && (named.get(w.id) || readsOfNamed.get(w.readId))) {
        ops.add(w);
      }
    }
    ops.sort(
        (a, b) ->
            Long.compare(
                a instanceof Write w ? w.invokedNanos : ((Read) a).invokedNanos,
                b instanceof Write w ? w.invokedNanos : ((Read) b).invokedNanos));
    StringBuilder out =
        new StringBuilder(
            "history of key " + key + " around " + first + " (" + ops.size() + " ops):\n");
    for (Object op : ops.subList(0, Math.min(max, ops.size()))) {
      out.append("  ").append(op).append('\n');
    }
    return out.toString();
  }
}
