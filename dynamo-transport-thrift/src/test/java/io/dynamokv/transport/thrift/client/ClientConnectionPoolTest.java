/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.transport.thrift.WireLimits;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client's pool grows with concurrent callers up to its limit and shrinks when idle. */
class ClientConnectionPoolTest {
  private static final Duration SHORT = Duration.ofMillis(200);

  /** Long enough that no connection ages out while the test is still taking them. */
  private static final Duration IDLE = Duration.ofSeconds(2);

  private ServerSocket server;
  private final List<Socket> accepted = new CopyOnWriteArrayList<>();
  private String address;

  @BeforeEach
  void listen() throws IOException {
    server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    address = "127.0.0.1:" + server.getLocalPort();
    Thread acceptor =
        new Thread(
            () -> {
              try {
                while (true) {
                  accepted.add(server.accept());
                }
              } catch (IOException closed) {
                // the test is over
              }
            },
            "pool-test-acceptor");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  @AfterEach
  void close() throws IOException {
    server.close();
    for (Socket s : accepted) {
      s.close();
    }
  }

  private ClientConnectionPool pool(int perNode, Duration maxIdle) {
    return new ClientConnectionPool(
        perNode, Duration.ofSeconds(2), WireLimits.DEFAULT_MAX_FRAME_BYTES, null, maxIdle);
  }

  @Test
  void growsToOneConnectionPerConcurrentCallerByDefaultAndShrinksWhenIdle() throws Exception {
    int callers = 32;
    try (ClientConnectionPool pool = pool(ThriftDynamoClient.DEFAULT_CONNECTIONS_PER_NODE, IDLE)) {
      List<ClientConnectionPool.Lease> leases = new ArrayList<>();
      for (int i = 0; i < callers; i++) {
        leases.add(pool.borrow(address, SHORT, Duration.ZERO));
      }
      leases.forEach(ClientConnectionPool.Lease::release);
      assertThat(pool.idle(address)).isEqualTo(callers);

      // One caller keeps using the pool: the connections nobody needs any more are closed.
      Awaitility.await("idle connections closed")
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(50))
          .until(
              () -> {
                pool.borrow(address, SHORT, Duration.ZERO).release();
                return pool.idle(address) == 1;
              });
      // And with no caller at all, trimming (the client's refresh thread) closes the last one.
      Awaitility.await("the last idle connection closed")
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> {
                pool.trimIdle();
                return pool.idle(address) == 0;
              });
    }
  }

  @Test
  void callersBeyondTheLimitWaitThenAreToldNothingWasSent() throws Exception {
    try (ClientConnectionPool pool = pool(2, Duration.ofMinutes(1))) {
      ClientConnectionPool.Lease a = pool.borrow(address, SHORT, Duration.ZERO);
      ClientConnectionPool.Lease b = pool.borrow(address, SHORT, Duration.ZERO);
      assertThatThrownBy(() -> pool.borrow(address, SHORT, SHORT))
          .isInstanceOf(ClientConnectionPool.NotDeliveredException.class)
          .hasMessageContaining("all 2 connections are busy");
      a.release();
      pool.borrow(address, SHORT, SHORT).release();
      b.release();
      assertThat(pool.idle(address)).isEqualTo(2);
    }
  }
}
