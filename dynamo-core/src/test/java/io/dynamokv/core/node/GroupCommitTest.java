/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.spi.Durability;
import io.dynamokv.core.spi.Keyspace;
import io.dynamokv.core.spi.Scheduler;
import io.dynamokv.core.spi.StorageEngine;
import io.dynamokv.core.spi.StorageException;
import io.dynamokv.core.spi.WriteBatch;
import io.dynamokv.core.storage.MemoryStorageEngine;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GroupCommitTest {
  private static final String KS = "data-s";

  private final FlakyEngine engine = new FlakyEngine(MemoryStorageEngine.create());
  private final Keyspace data = engine.keyspace(KS);
  private final ArrayDeque<Runnable> writer = new ArrayDeque<>();
  private final ManualScheduler scheduler = new ManualScheduler();
  private final NodeStats stats = new NodeStats();
  private final GroupCommit commits = new GroupCommit(engine, writer::add, scheduler, stats);
  private final List<String> events = new ArrayList<>();

  @Test
  void changesQueuedWhileAGroupIsWrittenShareTheNextWriteAndAreDurableBeforeTheyAreAnnounced() {
    put("k1", "v1");
    assertThat(writer).hasSize(1);
    put("k2", "v2");
    put("k3", "v3");
    put("k2", "v2b");
    commits.afterDurable(error -> events.add("durable " + error));
    assertThat(writer).as("one write at a time").hasSize(1);
    assertThat(value(commits.latest(KS, data, key("k2")))).isEqualTo("v2b");
    assertThat(data.get(key("k2"))).as("queued is not stored").isNull();

    writer.poll().run();
    assertThat(value(data.get(key("k1")))).isEqualTo("v1");
    assertThat(events).isEmpty(); // announced on the scheduler, not on the writer
    scheduler.runAll();
    assertThat(events).containsExactly("stored k1");
    assertThat(writer).as("the next group goes once the first is done").hasSize(1);

    writer.poll().run();
    scheduler.runAll();
    assertThat(events)
        .containsExactly("stored k1", "stored k2", "stored k3", "stored k2", "durable null");
    assertThat(value(data.get(key("k2")))).isEqualTo("v2b");
    assertThat(engine.writes).isEqualTo(2);
    assertThat(stats.groupCommits).isEqualTo(2);
    assertThat(stats.groupCommitChanges).isEqualTo(4);
  }

  @Test
  void nothingQueuedMeansDurableAtOnce() {
    commits.afterDurable(error -> events.add("durable " + error));
    assertThat(events).containsExactly("durable null");
  }

  @Test
  void aFailedWriteFailsTheChangesQueuedBehindItAndForgetsThem() {
    data.put(key("k2"), "old".getBytes(UTF_8));
    put("k1", "v1");
    commits.afterDurable(error -> events.add("first " + (error != null)));
    put("k2", "v2");
    commits.afterDurable(error -> events.add("second " + (error != null)));
    engine.failNext = true;
    writer.poll().run();
    scheduler.runAll();
    assertThat(events).containsExactly("first true", "second true");
    assertThat(writer).as("the open group was dropped with it").isEmpty();
    assertThat(value(commits.latest(KS, data, key("k2")))).isEqualTo("old");
    assertThat(data.get(key("k1"))).isNull();

    put("k1", "v1 again"); // the engine works again
    writer.poll().run();
    scheduler.runAll();
    assertThat(value(data.get(key("k1")))).isEqualTo("v1 again");
  }

  @Test
  void drainWritesEverythingQueuedWithoutWaitingForTheWriter() {
    put("k1", "v1");
    put("k2", "v2");
    commits.afterDurable(error -> events.add("durable " + error));
    commits.drain();
    assertThat(value(data.get(key("k1")))).isEqualTo("v1");
    assertThat(value(data.get(key("k2")))).isEqualTo("v2");
    assertThat(events).containsExactly("stored k1", "stored k2", "durable null");
    // The writer's tasks and the completions already queued find nothing left to do.
    writer.forEach(Runnable::run);
    scheduler.runAll();
    assertThat(engine.writes).isEqualTo(2);
    assertThat(events).hasSize(3);
  }

  @Test
  void aDrainBySomeoneToldOfAGroupWritesTheGroupQueuedBehindIt() {
    put("k1", "v1");
    commits.afterDurable(
        error -> {
          commits.drain(); // e.g. a flush of the node's engine, from a callback
          events.add("drained with k2 " + value(data.get(key("k2"))));
        });
    put("k2", "v2");
    writer.poll().run();
    scheduler.runAll();
    assertThat(events).contains("drained with k2 v2");
  }

  @Test
  void aCallbackThatThrowsDoesNotStrandTheQueue() {
    putWithABuggyListener("k1");
    commits.afterDurable(error -> events.add("durable " + error));
    put("k2", "v2");
    writer.poll().run();
    org.assertj.core.api.Assertions.assertThatThrownBy(scheduler::runAll)
        .hasMessageContaining("a listener's bug");
    assertThat(events).containsExactly("durable null");
    assertThat(writer).as("the next group was started").hasSize(1);
    writer.poll().run();
    scheduler.runAll();
    assertThat(value(data.get(key("k2")))).isEqualTo("v2");
  }

  @Test
  void aBoundedDrainGivesUpOnAWriteThatDoesNotReturn() throws Exception {
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch inside = new java.util.concurrent.CountDownLatch(1);
    engine.beforeWrite =
        () -> {
          inside.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        };
    put("k1", "v1");
    Thread stuck = new Thread(writer.poll(), "stuck writer");
    stuck.start();
    inside.await();
    assertThat(commits.drain(20)).isFalse();
    release.countDown();
    stuck.join();
    assertThat(commits.drain(20)).isTrue();
    assertThat(events).containsExactly("stored k1");
  }

  @Test
  void aHoldAnnouncesTheGroupBeingWrittenAndStartsNoOtherUntilReleased() {
    put("k1", "v1");
    put("k2", "v2");
    commits.hold();
    assertThat(value(data.get(key("k1")))).isEqualTo("v1");
    assertThat(data.get(key("k2"))).as("queued behind the hold").isNull();
    assertThat(events).containsExactly("stored k1");
    writer.poll().run(); // the first group's task: already written
    assertThat(writer).isEmpty();
    commits.release();
    assertThat(writer).hasSize(1);
    writer.poll().run();
    scheduler.runAll();
    assertThat(events).containsExactly("stored k1", "stored k2");
  }

  @Test
  void aCallbackThatThrowsInsideADrainIsReportedNotThrownAtTheDrainsCaller() {
    putWithABuggyListener("k1");
    commits.drain(); // e.g. inside another request's change
    org.assertj.core.api.Assertions.assertThatThrownBy(scheduler::runAll)
        .hasMessageContaining("a listener's bug");
  }

  private void putWithABuggyListener(String key) {
    commits.put(
        KS,
        key(key),
        "v1".getBytes(UTF_8),
        () -> {
          throw new IllegalStateException("a listener's bug");
        });
  }

  private void put(String key, String value) {
    commits.put(KS, key(key), value.getBytes(UTF_8), () -> events.add("stored " + key));
  }

  private static byte[] key(String k) {
    return k.getBytes(UTF_8);
  }

  private static String value(byte[] v) {
    return v == null ? null : new String(v, UTF_8);
  }

  /** Runs what it is given when told to, on the test's thread. */
  private static final class ManualScheduler implements Scheduler {
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

    void runAll() {
      while (!tasks.isEmpty()) {
        tasks.poll().run();
      }
    }

    @Override
    public void execute(Runnable task) {
      tasks.add(task);
    }

    @Override
    public Cancellable schedule(Duration delay, Runnable task) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Cancellable scheduleWithFixedDelay(
        Duration initialDelay, Duration period, Runnable task) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void close() {}
  }

  /** A memory engine whose batch writes are counted and can be made to fail once. */
  private static final class FlakyEngine implements StorageEngine {
    private final StorageEngine delegate;
    int writes;
    boolean failNext;
    Runnable beforeWrite = () -> {};

    FlakyEngine(StorageEngine delegate) {
      this.delegate = delegate;
    }

    @Override
    public Keyspace keyspace(String name) {
      return delegate.keyspace(name);
    }

    @Override
    public void write(WriteBatch batch) {
      beforeWrite.run();
      if (failNext) {
        failNext = false;
        throw new StorageException("memory engine: disk full");
      }
      writes++;
      delegate.write(batch);
    }

    @Override
    public Durability durability() {
      return Durability.SYNC;
    }

    @Override
    public void flush() {
      delegate.flush();
    }

    @Override
    public int maxKeyBytes() {
      return delegate.maxKeyBytes();
    }

    @Override
    public long approximateSizeBytes() {
      return delegate.approximateSizeBytes();
    }

    @Override
    public String describe() {
      return "flaky " + delegate.describe();
    }

    @Override
    public void close() {
      delegate.close();
    }
  }
}
