/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.it;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.dynamokv.core.DynamoException;
import io.dynamokv.core.InsufficientReplicasException;
import io.dynamokv.core.client.Codec;
import io.dynamokv.core.client.ConflictResolver;
import io.dynamokv.core.client.DynamoClient;
import io.dynamokv.core.client.GetResult;
import io.dynamokv.core.client.RequestOptions;
import io.dynamokv.core.client.Resolvers;
import io.dynamokv.transport.thrift.client.ThriftDynamoClient.UnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

/**
 * Client threads that keep adding unique elements ({@code "t2-e57"}) to sets stored under a few
 * keys, by read-modify-write ({@link DynamoClient#update}) with set union as the conflict resolver:
 * the shopping cart of the paper. It records each element as
 *
 * <ul>
 *   <li><b>acknowledged</b> when {@code update} returned normally: it must never be lost;
 *   <li><b>unknown</b> when {@code update} threw: per {@link DynamoClient}'s outcome rules it may
 *       or may not be present later.
 * </ul>
 *
 * {@link #check} reads every key and reports acknowledged elements that are missing.
 */
final class SetWorkload implements AutoCloseable {
  /** A set of strings as its sorted elements, one per line. */
  static final Codec<SortedSet<String>> CODEC =
      new Codec<>() {
        @Override
        public byte[] encode(SortedSet<String> value) {
          return String.join("\n", value).getBytes(UTF_8);
        }

        @Override
        public SortedSet<String> decode(byte[] bytes) {
          String s = new String(bytes, UTF_8);
          return s.isEmpty() ? new TreeSet<>() : new TreeSet<>(List.of(s.split("\n")));
        }
      };

  /** Semantic reconciliation: the union of the siblings. */
  static final ConflictResolver<SortedSet<String>> UNION = Resolvers.union(TreeSet::new);

  private final DynamoClient client;
  private final String store;
  private final List<String> keys;
  private final int threads;
  private final Map<String, Set<String>> acknowledged = new ConcurrentHashMap<>();
  private final Map<String, Set<String>> unknown = new ConcurrentHashMap<>();
  private final LongAdder acknowledgedCount = new LongAdder();
  private final Map<String, LongAdder> errors = new ConcurrentSkipListMap<>();
  private final List<Throwable> unexpected = Collections.synchronizedList(new ArrayList<>());
  private final List<Thread> workers = new ArrayList<>();
  private final Queue<Attempt> attempts = new ConcurrentLinkedQueue<>();
  private volatile boolean running;

  SetWorkload(DynamoClient client, String store, int threads, int keyCount) {
    this(client, store, threads, keyNames(keyCount));
  }

  /** A workload on the given keys (UTF-8), e.g. keys chosen for the owners they share. */
  SetWorkload(DynamoClient client, String store, int threads, List<String> keys) {
    this.client = client;
    this.store = store;
    this.threads = threads;
    for (String key : keys) {
      acknowledged.put(key, ConcurrentHashMap.newKeySet());
      unknown.put(key, ConcurrentHashMap.newKeySet());
    }
    this.keys = List.copyOf(keys);
  }

  /** {@code set-0 .. set-<count-1>}. */
  static List<String> keyNames(int count) {
    List<String> k = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      k.add("set-" + i);
    }
    return k;
  }

  /** Starts the client threads; they run until {@link #stop()}. */
  SetWorkload start() {
    running = true;
    for (int t = 0; t < threads; t++) {
      int thread = t;
      Thread worker = new Thread(() -> run(thread), "set-workload-" + t);
      worker.setDaemon(true);
      workers.add(worker);
      worker.start();
    }
    return this;
  }

  private void run(int thread) {
    for (int seq = 0; running; seq++) {
      String element = "t" + thread + "-e" + seq;
      String key = keys.get(ThreadLocalRandom.current().nextInt(keys.size()));
      if (!add(key, element)) {
        // Do not spin against a cluster that cannot take writes right now.
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      }
    }
  }

  /** Adds {@code element} to the set under {@code key}; returns whether it was acknowledged. */
  boolean add(String key, String element) {
    long start = System.nanoTime();
    try {
      client.update(store, key.getBytes(UTF_8), CODEC, UNION, set -> with(set, element));
      acknowledged.get(key).add(element);
      acknowledgedCount.increment();
      attempts.add(new Attempt(start, null));
      return true;
    } catch (RuntimeException e) {
      attempts.add(new Attempt(start, kind(e) + ": " + e.getMessage()));
      unknown.get(key).add(element);
      errors.computeIfAbsent(kind(e), k -> new LongAdder()).increment();
      if (!isAvailabilityError(e)) {
        unexpected.add(e);
      }
      return false;
    }
  }

  /**
   * Whether {@code e} is one of the errors a client must expect from a cluster losing a node: the
   * cluster could not serve the request (before or after the write was sent). Anything else — a
   * rejected request, a codec or resolver failure, a bug — is unexpected.
   */
  static boolean isAvailabilityError(Throwable e) {
    return e instanceof InsufficientReplicasException
        || e instanceof UnavailableException
        || e.getClass() == DynamoException.class; // the node's internal error
  }

  private static String kind(Throwable e) {
    String name = e.getClass().getSimpleName();
    if (e instanceof UnavailableException u) {
      name += u.mayHaveBeenApplied() ? "(maybe applied)" : "(not applied)";
    }
    return name;
  }

  /** A copy of {@code set} ({@code null}: empty) with {@code element} added. */
  static SortedSet<String> with(SortedSet<String> set, String element) {
    SortedSet<String> next = set == null ? new TreeSet<>() : new TreeSet<>(set);
    next.add(element);
    return next;
  }

  /** Stops the client threads and waits for their last updates to finish. */
  void stop() throws InterruptedException {
    running = false;
    for (Thread worker : workers) {
      worker.join(Duration.ofSeconds(30).toMillis());
      if (worker.isAlive()) {
        throw new AssertionError(worker.getName() + " still runs 30 s after stop");
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }

  long acknowledgedCount() {
    return acknowledgedCount.sum();
  }

  long unknownCount() {
    return unknown.values().stream().mapToLong(Set::size).sum();
  }

  /** Error counts by kind, e.g. {@code InsufficientReplicasException -> 3}. */
  Map<String, Long> errors() {
    Map<String, Long> counts = new TreeMap<>();
    errors.forEach((k, v) -> counts.put(k, v.sum()));
    return counts;
  }

  /** Errors other than {@linkplain #isAvailabilityError availability errors}. */
  List<Throwable> unexpectedErrors() {
    synchronized (unexpected) {
      return List.copyOf(unexpected);
    }
  }

  List<String> keys() {
    return keys;
  }

  /** The elements whose update of {@code key} was acknowledged so far. */
  Set<String> acknowledged(String key) {
    return Set.copyOf(acknowledged.get(key));
  }

  /**
   * One finished update: when it started ({@link System#nanoTime()}) and, if it failed, the error
   * ({@code null}: acknowledged).
   */
  private record Attempt(long startNanos, String failure) {
    boolean acknowledged() {
      return failure == null;
    }
  }

  /**
   * The errors of the updates that started in {@code [fromNanos, toNanos)}, each with its start in
   * seconds after {@code fromNanos}, in start order.
   */
  List<String> failures(long fromNanos, long toNanos) {
    return attempts.stream()
        .filter(a -> !a.acknowledged())
        .filter(a -> a.startNanos() - fromNanos >= 0 && a.startNanos() - toNanos < 0)
        .sorted(java.util.Comparator.comparingLong(Attempt::startNanos))
        .map(
            a ->
                String.format(
                    java.util.Locale.ROOT,
                    "+%.3fs %s",
                    (a.startNanos() - fromNanos) / 1e9,
                    a.failure()))
        .toList();
  }

  /**
   * The updates that started in {@code [fromNanos, toNanos)} ({@link System#nanoTime()}) and have
   * finished: how many, and how many were acknowledged. Updates still running are not counted.
   */
  Window window(long fromNanos, long toNanos) {
    long started = 0;
    long acked = 0;
    for (Attempt a : attempts) {
      if (a.startNanos() - fromNanos >= 0 && a.startNanos() - toNanos < 0) {
        started++;
        if (a.acknowledged()) {
          acked++;
        }
      }
    }
    return new Window(started, acked);
  }

  /** Updates of a time window: {@code acknowledged} of {@code attempted} succeeded. */
  record Window(long attempted, long acknowledged) {
    /** The share acknowledged, 0 to 1; 0 when none was attempted. */
    double successRate() {
      return attempted == 0 ? 0 : (double) acknowledged / attempted;
    }

    @Override
    public String toString() {
      return String.format(
          java.util.Locale.ROOT,
          "%d/%d acknowledged (%.2f%%)",
          acknowledged,
          attempted,
          100 * successRate());
    }
  }

  /**
   * Reads every key with {@code R = quorum} and compares the union of its siblings with what the
   * workload recorded. Call after {@link #stop()}.
   */
  Check check(DynamoClient reader, int quorum) {
    long acked = 0;
    long unknownPresent = 0;
    long siblingReads = 0;
    SortedSet<String> lost = new TreeSet<>();
    for (String key : keys) {
      GetResult read = reader.get(store, key.getBytes(UTF_8), RequestOptions.quorum(quorum));
      if (read.hasSiblings()) {
        siblingReads++;
      }
      Set<String> present =
          read.values().stream()
              .map(CODEC::decode)
              .flatMap(Set::stream)
              .collect(Collectors.toCollection(TreeSet::new));
      for (String element : acknowledged.get(key)) {
        acked++;
        if (!present.contains(element)) {
          lost.add(key + ":" + element);
        }
      }
      for (String element : unknown.get(key)) {
        if (present.contains(element)) {
          unknownPresent++;
        }
      }
    }
    return new Check(acked, unknownCount(), unknownPresent, siblingReads, lost, errors());
  }

  /**
   * What a final read found.
   *
   * @param acknowledged acknowledged elements
   * @param unknown elements whose update threw
   * @param unknownPresent of those, how many are present
   * @param keysWithSiblings keys whose read returned more than one sibling
   * @param lost acknowledged elements missing, as {@code key:element}
   * @param errors the workload's errors by kind
   */
  record Check(
      long acknowledged,
      long unknown,
      long unknownPresent,
      long keysWithSiblings,
      SortedSet<String> lost,
      Map<String, Long> errors) {
    String report() {
      return "acknowledged="
          + acknowledged
          + " unknown="
          + unknown
          + " (present "
          + unknownPresent
          + ") lost="
          + lost.size()
          + " keysWithSiblings="
          + keysWithSiblings
          + " errors="
          + errors;
    }
  }
}
