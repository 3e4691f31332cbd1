/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift;

import io.dynamokv.transport.thrift.gen.GetRequest;
import io.dynamokv.transport.thrift.gen.GetResponse;
import io.dynamokv.transport.thrift.gen.PutRequest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.awaitility.Awaitility;

/**
 * A well-behaved client on its own connection and thread: reads, overwrites with the read's context
 * and reads back keys in a loop while a test abuses the server, and records every error. Bounded:
 * it stops when closed, after {@link #MAX_RUNTIME}, or at the first error.
 */
final class Canary implements AutoCloseable {
  static final Duration MAX_RUNTIME = Duration.ofSeconds(60);

  private final ThriftTestNode node;
  private final Thread thread;
  private final AtomicLong ops = new AtomicLong();
  private final List<Throwable> errors = new CopyOnWriteArrayList<>();
  private volatile boolean stopped;
  private final ReentrantLock turn = new ReentrantLock(true);

  private Canary(ThriftTestNode node) {
    this.node = node;
    this.thread = new Thread(this::run, "canary");
    thread.setDaemon(true);
  }

  /** Starts a canary and waits until it has completed a few requests. */
  static Canary start(ThriftTestNode node) {
    Canary c = new Canary(node);
    c.thread.start();
    try {
      c.awaitProgress();
    } catch (RuntimeException | Error e) {
      c.stopped = true;
      throw e;
    }
    return c;
  }

  private void run() {
    long deadline = System.nanoTime() + MAX_RUNTIME.toNanos();
    try (ThriftTestNode.Client client = node.client()) {
      for (long i = 0; !stopped && System.nanoTime() < deadline; i++) {
        turn.lock();
        try {
          ByteBuffer key = utf8("canary-" + (i % 16));
          ByteBuffer value = utf8("value-" + i);
          GetResponse before = client.get(new GetRequest(ThriftTestNode.STORE, key));
          client.put(new PutRequest(ThriftTestNode.STORE, key, value, before.bufferForContext()));
          GetResponse after = client.get(new GetRequest(ThriftTestNode.STORE, key));
          if (!after.getValues().equals(List.of(value))) {
            throw new AssertionError("read " + after.getValues() + ", expected only " + value);
          }
          ops.incrementAndGet();
        } finally {
          turn.unlock();
        }
      }
    } catch (Throwable t) {
      errors.add(t);
    }
  }

  /**
   * Holds the canary between two rounds until the returned pause is closed: for measurements of
   * what the server's threads allocate, which the canary's own requests would blur.
   */
  Pause pause() {
    turn.lock();
    return turn::unlock;
  }

  /** A pause of the canary; closing it lets the canary go on. */
  interface Pause extends AutoCloseable {
    @Override
    void close();
  }

  /** Completed put-and-get rounds. */
  long ops() {
    return ops.get();
  }

  /** Waits until the canary completes a few more rounds (fails if it errs or stalls). */
  void awaitProgress() {
    long target = ops.get() + 5;
    Awaitility.await("canary progress")
        .atMost(Duration.ofSeconds(10))
        .until(() -> !errors.isEmpty() || ops.get() >= target);
    if (!errors.isEmpty()) {
      throw new AssertionError("the well-behaved client failed", errors.get(0));
    }
  }

  /** Stops the canary and returns the errors it saw. */
  List<Throwable> stop() throws InterruptedException {
    stopped = true;
    thread.join(Duration.ofSeconds(10).toMillis());
    if (thread.isAlive()) {
      errors.add(new AssertionError("the canary did not stop within 10 s"));
    }
    return List.copyOf(errors);
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }

  private static ByteBuffer utf8(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }
}
