/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.client;

import io.dynamokv.core.UnavailableException;
import io.dynamokv.core.ring.Ring;
import io.dynamokv.transport.thrift.client.ClientConnectionPool.NotDeliveredException;
import io.dynamokv.transport.thrift.gen.ClusterInfo;
import io.dynamokv.transport.thrift.gen.DynamoError;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.apache.thrift.TException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's view of the cluster ({@link ClientTopology}) and how it stays fresh: fetched from a
 * bootstrap node at start, then from any node every ring refresh interval on one daemon thread, and
 * early (at most every {@link #MIN_REFRESH_GAP}) after a failure suggests it moved. A fetched
 * topology replaces the held one unless its ring is older. Thread-safe.
 */
final class TopologyRefresher {
  /** Early refreshes (after failures) are at least this far apart. */
  private static final Duration MIN_REFRESH_GAP = Duration.ofMillis(100);

  /** How often a refresh outage is logged again while it lasts. */
  static final Duration OUTAGE_REMINDER = Duration.ofMinutes(1);

  private static final Logger log = LoggerFactory.getLogger(ThriftDynamoClient.class);

  private final ClientConnectionPool pool;
  private final TargetChooser chooser;
  private final Duration socketTimeout;
  private final Duration interval;
  private final AtomicBoolean closed;
  private final ScheduledThreadPoolExecutor refresher;
  private final AtomicBoolean refreshQueued = new AtomicBoolean();
  private final LongAdder refreshes = new LongAdder();
  private final OutageLog outage =
      new OutageLog(log, "ring refresh", OUTAGE_REMINDER, System::nanoTime);
  private volatile ClientTopology topology;
  private volatile long lastRefreshNanos = System.nanoTime();

  /**
   * @param socketTimeout how long one fetch may take
   * @param interval between periodic refreshes
   * @param closed the client's closed flag: no refresh once it is set
   */
  TopologyRefresher(
      ClientConnectionPool pool,
      TargetChooser chooser,
      Duration socketTimeout,
      Duration interval,
      AtomicBoolean closed) {
    this.pool = pool;
    this.chooser = chooser;
    this.socketTimeout = socketTimeout;
    this.interval = interval;
    this.closed = closed;
    this.refresher =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "dynamo-client-ring-refresh");
              t.setDaemon(true);
              return t;
            });
    refresher.setRemoveOnCancelPolicy(true);
    refresher.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  /** The topology held now; never null once {@link #connect()} returned. */
  ClientTopology current() {
    return topology;
  }

  /** Ring refreshes started. */
  long refreshes() {
    return refreshes.sum();
  }

  /**
   * Fetches the first topology from a bootstrap node and starts the periodic refresh.
   *
   * @throws UnavailableException when no bootstrap node answers
   */
  void connect() {
    List<String> failures = new ArrayList<>();
    for (String address : chooser.bootstrap()) {
      try {
        topology = fetch(new ClientTarget(null, address));
        break;
      } catch (FetchFailed e) {
        failures.add(address + " (" + e.getMessage() + ")");
      }
    }
    if (topology == null) {
      throw new ThriftDynamoClient.UnavailableException(
          "could not reach any bootstrap node of the cluster: "
              + String.join(", ", failures)
              + ". Check the addresses and that the nodes are running.",
          false,
          null);
    }
    refresher.scheduleWithFixedDelay(
        this::refresh, interval.toNanos(), interval.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Asks for a refresh soon (at most one queued, at least {@link #MIN_REFRESH_GAP} apart). */
  void requestRefresh() {
    if (closed.get() || !refreshQueued.compareAndSet(false, true)) {
      return;
    }
    long wait = Math.max(0, lastRefreshNanos + MIN_REFRESH_GAP.toNanos() - System.nanoTime());
    try {
      refresher.schedule(
          () -> {
            refreshQueued.set(false);
            refresh();
          },
          wait,
          TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      refreshQueued.set(false);
    }
  }

  /** Stops refreshing. */
  void close() {
    refresher.shutdownNow();
  }

  /**
   * Fetches the cluster from a member (or a bootstrap node) and adopts it unless its ring is older
   * than the one held.
   *
   * @return whether some node answered
   */
  boolean refresh() {
    lastRefreshNanos = System.nanoTime();
    refreshes.increment();
    List<ClientTarget> sources = chooser.anyNode(topology);
    try {
      // The refresh thread also shrinks a pool nobody returns connections to any more.
      pool.trimIdle();
      for (ClientTarget source : sources) {
        if (closed.get()) {
          return false;
        }
        try {
          adopt(fetch(source));
          outage.succeeded(source + " answered");
          return true;
        } catch (FetchFailed e) {
          log.debug("ring refresh from {} failed: {}", source, e.getMessage());
        }
      }
    } catch (RuntimeException e) {
      // Never let the periodic refresh die; the next round tries again.
      if (!closed.get()) {
        log.warn("ring refresh failed", e);
      }
      return false;
    }
    if (!closed.get()) {
      outage.failed("no node answered (tried " + sources + ")");
    }
    return false;
  }

  private synchronized void adopt(ClientTopology fresh) {
    ClientTopology current = topology;
    if (current == null
        || current.ring() == null
        || (fresh.ring() != null && compareVersions(fresh.ring(), current.ring()) >= 0)) {
      topology = fresh;
      if (current != null) {
        // Only a node the cluster itself had found unreachable and now reports back: right after
        // this client's own failed request the cluster has not noticed anything yet.
        fresh
            .members()
            .forEach(
                (node, address) -> {
                  if (current.unreachable().contains(node) && !fresh.unreachable().contains(node)) {
                    chooser.reportedReachable(address);
                  }
                });
      }
    }
  }

  /** Orders rings as nodes do: the ring epoch first, then the version. */
  private static int compareVersions(Ring a, Ring b) {
    int c = Long.compare(a.epoch(), b.epoch());
    return c != 0 ? c : Long.compare(a.version(), b.version());
  }

  private static final class FetchFailed extends Exception {
    private static final long serialVersionUID = 1L;

    FetchFailed(String message) {
      super(message, null, false, false);
    }
  }

  private ClientTopology fetch(ClientTarget source) throws FetchFailed {
    ClientConnectionPool.Lease lease;
    try {
      lease = pool.borrow(source.address(), socketTimeout, socketTimeout);
    } catch (NotDeliveredException e) {
      chooser.suspect(source.address());
      throw new FetchFailed(e.getMessage());
    }
    boolean clean = false;
    try {
      ClusterInfo info = lease.client().cluster();
      clean = true;
      return ClientTopology.of(info);
    } catch (DynamoError e) {
      clean = true;
      throw new FetchFailed(e.getCode() + " " + e.getMessage());
    } catch (TException e) {
      throw new FetchFailed(ClientConnectionPool.describe(e));
    } finally {
      if (clean) {
        lease.release();
      } else {
        lease.discard();
      }
    }
  }
}
