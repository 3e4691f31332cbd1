/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.merkle;

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
import io.dynamokv.core.merkle.AntiEntropyMessage.Request;
import io.dynamokv.core.merkle.AntiEntropyMessage.RootDiffers;
import io.dynamokv.core.merkle.AntiEntropyMessage.RootMatch;
import io.dynamokv.core.merkle.AntiEntropyMessage.Sync;
import io.dynamokv.core.merkle.AntiEntropyMessage.SyncReply;
import io.dynamokv.core.merkle.AntiEntropyMessage.SyncResult;
import io.dynamokv.core.merkle.PartitionTree.NodeSummary;
import io.dynamokv.core.ring.Token;
import io.dynamokv.core.version.Siblings;
import io.dynamokv.core.version.VersionCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Serves the anti-entropy requests of initiators ({@link TreeExchange}) from this replica's trees
 * and data. Stateless between requests: each one is answered from the tree and data as they are, so
 * requests of one exchange may interleave with writes (an exchange that raced a write may miss a
 * difference, which the next pass finds).
 *
 * <ul>
 *   <li>{@link CompareRoot}: {@link RootMatch} if the root's hash and count equal A's, else {@link
 *       RootDiffers} with the root and its left child.
 *   <li>{@link Descend}: per probe, the node's key list (when wanted, or when the node is at the
 *       deepest depth), else its left child's hash and count, from the tree's arrays down to {@link
 *       PartitionTree#levels()} and from a {@link LeafSource} scan below.
 *   <li>{@link Sync}: merges each non-empty set of A through {@link LocalSets#merge} and answers
 *       each key's resulting set (or "equal to yours"; always that from a {@linkplain
 *       Served#pullOnly pull-only} replica).
 * </ul>
 *
 * A request for a tree the directory refuses is answered with {@link Refused}; a request that makes
 * no sense for the tree (a depth beyond it, a key outside its range) throws {@link
 * InvalidRequestException}, which the node answers as a failure. Runs on the node's scheduler, as
 * the trees it reads are not thread-safe.
 */
public final class TreeResponder implements AntiEntropyMessage.Handler<AntiEntropyMessage> {
  /** The most key lists one descend reply carries. */
  static final int MAX_LISTS = 64;

  /**
   * The most keys a node may hold for the responder to list it (unless it is at the deepest depth).
   */
  static final int MAX_LIST_KEYS = 256;

  /** What a sync reply's sets come to at most, unless a single set is larger: far below a frame. */
  static final long DEFAULT_MAX_REPLY_BYTES = 4L << 20;

  private final Directory directory;
  private final LocalSets sets;
  private final BrokenVariant broken;
  private final long maxReplyBytes;

  /** Finds the tree a request names. */
  @FunctionalInterface
  public interface Directory {
    /**
     * The ready tree of {@code partition} of {@code store} in ring {@code ringVersion} with the
     * store's keys, or why there is none.
     */
    Served lookup(String store, int partition, long ringVersion);
  }

  /**
   * A directory's answer: a ready tree and its keys, or a refusal.
   *
   * @param tree the partition's ready tree, or null when refused
   * @param leaves the store's keys, or null when refused
   * @param refusal null when served
   * @param pushes whether sync replies carry this replica's sets; false for a replica that only
   *     pulls (it merges the initiator's sets but does not vouch for its own yet)
   */
  public record Served(PartitionTree tree, LeafSource leaves, Refused refusal, boolean pushes) {
    public Served {
      if ((refusal == null) == (tree == null || leaves == null)) {
        throw new IllegalArgumentException("either a tree and its keys, or a refusal");
      }
      if (tree != null && !tree.isReady()) {
        throw new IllegalArgumentException("only a ready tree is served; refuse NOT_READY instead");
      }
    }

    /** The tree and keys of a replica that syncs both ways. */
    public static Served of(PartitionTree tree, LeafSource leaves) {
      return new Served(Objects.requireNonNull(tree), Objects.requireNonNull(leaves), null, true);
    }

    /** The tree and keys of a replica that merges what it is sent but sends none of its sets. */
    public static Served pullOnly(PartitionTree tree, LeafSource leaves) {
      return new Served(Objects.requireNonNull(tree), Objects.requireNonNull(leaves), null, false);
    }

    /** A refusal; {@code ringVersion} is the responder's own. */
    public static Served refused(Reason reason, long ringVersion) {
      return new Served(null, null, new Refused(reason, ringVersion), false);
    }
  }

  public TreeResponder(Directory directory, LocalSets sets) {
    this(directory, sets, BrokenVariant.NONE);
  }

  /**
   * A responder that may be deliberately broken (only {@link BrokenVariant#RESPONDER_SKIPS_MERGE}
   * acts here).
   */
  public TreeResponder(Directory directory, LocalSets sets, BrokenVariant broken) {
    this(directory, sets, broken, DEFAULT_MAX_REPLY_BYTES);
  }

  /**
   * A responder whose sync replies carry at most {@code maxReplyBytes} of sets (a set that would
   * pass it is deferred: the initiator asks again), unless a single set is larger.
   */
  public TreeResponder(
      Directory directory, LocalSets sets, BrokenVariant broken, long maxReplyBytes) {
    this.directory = Objects.requireNonNull(directory, "directory");
    this.sets = Objects.requireNonNull(sets, "sets");
    this.broken = Objects.requireNonNull(broken, "broken");
    if (maxReplyBytes < 1) {
      throw new IllegalArgumentException("maxReplyBytes must be >= 1, found " + maxReplyBytes);
    }
    this.maxReplyBytes = maxReplyBytes;
  }

  /** The reply to {@code request}, as a completed stage (failed if the request is invalid). */
  public CompletionStage<AntiEntropyMessage> serve(Request request) {
    try {
      return CompletableFuture.completedFuture(request.accept(this));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public AntiEntropyMessage compareRoot(CompareRoot request) {
    Served served = lookup(request);
    if (served.refusal() != null) {
      return served.refusal();
    }
    PartitionTree tree = served.tree();
    if (tree.rootHash() == request.hash() && tree.rootCount() == request.count()) {
      return new RootMatch();
    }
    NodeSummary left =
        tree.maxDepth() >= 1 ? tree.summarize(1, 0, served.leaves()) : new NodeSummary(0, 0);
    return new RootDiffers(tree.rootHash(), tree.rootCount(), left.hash(), left.count());
  }

  @Override
  public AntiEntropyMessage descend(Descend request) {
    Served served = lookup(request);
    if (served.refusal() != null) {
      return served.refusal();
    }
    PartitionTree tree = served.tree();
    int depth = request.depth();
    if (depth > tree.maxDepth()) {
      throw new InvalidRequestException(
          "depth " + depth + " is beyond the deepest depth " + tree.maxDepth() + " of the tree");
    }
    List<NodeAnswer> answers = new ArrayList<>(request.probes().size());
    int lists = 0;
    for (Probe p : request.probes()) {
      // A list is given where asked while this reply stays bounded; beyond that, or for a node
      // too large to list, the left child is: A descends further instead.
      boolean list =
          depth == tree.maxDepth()
              || p.wantKeys()
                  && lists < MAX_LISTS
                  && tree.summarize(depth, p.index(), served.leaves()).count() <= MAX_LIST_KEYS;
      if (list) {
        lists++;
        List<KeyEntry> keys = new ArrayList<>();
        served
            .leaves()
            .scan(
                tree.nodeRange(depth, p.index()),
                (key, token, digest) -> keys.add(new KeyEntry(key, digest)));
        answers.add(new KeyList(keys));
      } else {
        NodeSummary left = tree.summarize(depth + 1, 2 * p.index(), served.leaves());
        answers.add(new LeftChild(left.hash(), left.count()));
      }
    }
    return new DescendReply(answers);
  }

  @Override
  public AntiEntropyMessage sync(Sync request) {
    Served served = lookup(request);
    if (served.refusal() != null) {
      return served.refusal();
    }
    // Everything is checked before anything is merged: a bad entry leaves the replica untouched.
    List<Siblings> incoming = new ArrayList<>(request.entries().size());
    for (KeySet e : request.entries()) {
      if (!served.tree().range().contains(Token.of(e.key()))) {
        throw new InvalidRequestException(
            "a synced key lies outside partition "
                + request.partition()
                + " ("
                + served.tree().range()
                + ")");
      }
      incoming.add(
          e.siblings().length == 0 ? Siblings.empty() : VersionCodec.decodeSiblings(e.siblings()));
    }
    List<SyncResult> results = new ArrayList<>(request.entries().size());
    // A replica that lost data answers its sets only to one that lost data too: neither serves
    // reads until complete, and the other may only count it as pulled from if it got them.
    boolean answers = served.pushes() || request.pullOnly();
    long replyBytes = 0;
    for (int i = 0; i < incoming.size(); i++) {
      byte[] key = request.entries().get(i).key();
      Siblings in = incoming.get(i);
      Siblings before = sets.read(request.store(), key);
      Siblings after =
          in.isEmpty() || broken == BrokenVariant.RESPONDER_SKIPS_MERGE
              ? before
              : sets.merge(request.store(), key, in);
      boolean same = !answers || after.equals(in) || after.isEmpty() && in.isEmpty();
      byte[] set = same ? new byte[0] : VersionCodec.encode(after);
      if (set.length > 0 && replyBytes > 0 && replyBytes + set.length > maxReplyBytes) {
        results.add(new SyncResult(!after.equals(before), new byte[0], true));
        continue;
      }
      replyBytes += set.length + key.length;
      results.add(new SyncResult(!after.equals(before), set));
    }
    return new SyncReply(results);
  }

  /**
   * Vouches for the tombstones of a purge: yes for each key that holds exactly that set of expired
   * deletes, after a flush. A pull-only replica (one that lost data) vouches for nothing.
   */
  @Override
  public AntiEntropyMessage purgeCheck(PurgeCheck request) {
    Served served = lookup(request);
    if (served.refusal() != null) {
      return served.refusal();
    }
    checkInRange(served, request.partition(), request.entries());
    List<Boolean> answers = new ArrayList<>(request.entries().size());
    boolean any = false;
    for (KeyEntry e : request.entries()) {
      boolean holds =
          served.pushes() && sets.holdsExpiredTombstone(request.store(), e.key(), e.digest());
      answers.add(holds);
      any |= holds;
    }
    if (any) {
      sets.flush();
    }
    return new PurgeReply(answers);
  }

  /** Drops each key whose set still has the digest every owner vouched for. */
  @Override
  public AntiEntropyMessage purge(Purge request) {
    Served served = lookup(request);
    if (served.refusal() != null) {
      return served.refusal();
    }
    checkInRange(served, request.partition(), request.entries());
    List<Boolean> answers = new ArrayList<>(request.entries().size());
    for (KeyEntry e : request.entries()) {
      answers.add(sets.dropIf(request.store(), e.key(), e.digest()));
    }
    return new PurgeReply(answers);
  }

  private static void checkInRange(Served served, int partition, List<KeyEntry> entries) {
    for (KeyEntry e : entries) {
      if (!served.tree().range().contains(Token.of(e.key()))) {
        throw new InvalidRequestException(
            "a purged key lies outside partition "
                + partition
                + " ("
                + served.tree().range()
                + ")");
      }
    }
  }

  private Served lookup(Request request) {
    return Objects.requireNonNull(
        directory.lookup(request.store(), request.partition(), request.ringVersion()),
        "directory answered null");
  }
}
