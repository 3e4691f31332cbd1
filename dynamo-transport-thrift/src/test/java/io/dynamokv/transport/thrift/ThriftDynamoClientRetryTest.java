/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift;

import static io.dynamokv.transport.thrift.ThriftDynamoClientTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.DynamoException;
import io.dynamokv.core.InsufficientReplicasException;
import io.dynamokv.core.InternalException;
import io.dynamokv.core.StoreNotFoundException;
import io.dynamokv.core.client.Context;
import io.dynamokv.transport.thrift.client.ClientProbe;
import io.dynamokv.transport.thrift.client.ThriftDynamoClient;
import io.dynamokv.transport.thrift.client.ThriftDynamoClient.UnavailableException;
import io.dynamokv.transport.thrift.gen.ClusterInfo;
import io.dynamokv.transport.thrift.gen.DeleteRequest;
import io.dynamokv.transport.thrift.gen.DynamoError;
import io.dynamokv.transport.thrift.gen.DynamoService;
import io.dynamokv.transport.thrift.gen.ErrorCode;
import io.dynamokv.transport.thrift.gen.GetRequest;
import io.dynamokv.transport.thrift.gen.GetResponse;
import io.dynamokv.transport.thrift.gen.LocalReadResponse;
import io.dynamokv.transport.thrift.gen.MemberInfo;
import io.dynamokv.transport.thrift.gen.NodeStatusInfo;
import io.dynamokv.transport.thrift.gen.PutRequest;
import io.dynamokv.transport.thrift.gen.WriteResponse;
import io.dynamokv.transport.thrift.server.ThriftServer;
import io.dynamokv.transport.thrift.server.ThriftServerConfig;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.thrift.async.AsyncMethodCallback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Which failures {@link ThriftDynamoClient} retries elsewhere, against scripted stub nodes: a write
 * moves on only when it was certainly not applied, a read whenever another node may answer.
 */
class ThriftDynamoClientRetryTest {
  private static final String STORE = "default";
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  /** How a stub answers a data request. */
  enum Answer {
    OK,
    HANG,
    SHUTTING_DOWN,
    NOT_A_REPLICA,
    INTERNAL,
    INSUFFICIENT_REPLICAS,
    STORE_NOT_FOUND
  }

  /**
   * A node that answers {@code cluster()} with no ring and itself as the only member, and data
   * requests as scripted, counting them.
   */
  static final class Stub implements DynamoService.AsyncIface {
    final String id;
    volatile Answer reads = Answer.OK;
    volatile Answer writes = Answer.OK;
    final AtomicInteger gets = new AtomicInteger();
    final AtomicInteger puts = new AtomicInteger();
    ThriftServer server;

    Stub(String id) {
      this.id = id;
    }

    String address() {
      return "127.0.0.1:" + server.address().getPort();
    }

    @Override
    public void get(GetRequest request, AsyncMethodCallback<GetResponse> callback) {
      gets.incrementAndGet();
      answer(reads, callback, new GetResponse(List.of(), ByteBuffer.allocate(0)));
    }

    @Override
    public void put(PutRequest request, AsyncMethodCallback<WriteResponse> callback) {
      puts.incrementAndGet();
      answer(writes, callback, new WriteResponse(ByteBuffer.allocate(0)));
    }

    @Override
    public void erase(DeleteRequest request, AsyncMethodCallback<WriteResponse> callback) {
      puts.incrementAndGet();
      answer(writes, callback, new WriteResponse(ByteBuffer.allocate(0)));
    }

    private static <T> void answer(Answer answer, AsyncMethodCallback<T> callback, T ok) {
      switch (answer) {
        case OK -> callback.onComplete(ok);
        case HANG -> {}
        case INSUFFICIENT_REPLICAS -> {
          DynamoError e = new DynamoError(ErrorCode.INSUFFICIENT_REPLICAS, "put reached 1 of 2");
          e.setAnswered(1);
          e.setQuorum(2);
          callback.onError(e);
        }
        default -> callback.onError(new DynamoError(ErrorCode.valueOf(answer.name()), "scripted"));
      }
    }

    @Override
    public void cluster(AsyncMethodCallback<ClusterInfo> callback) {
      callback.onComplete(
          new ClusterInfo(
              id,
              0,
              ByteBuffer.allocate(0),
              List.of(new MemberInfo(id, address(), "", "NORMAL", true, 0, 1)),
              List.of()));
    }

    @Override
    public void status(AsyncMethodCallback<NodeStatusInfo> callback) {
      callback.onError(new DynamoError(ErrorCode.INVALID_REQUEST, "not scripted"));
    }

    @Override
    public void probe(String store, AsyncMethodCallback<Void> callback) {
      callback.onError(new DynamoError(ErrorCode.INVALID_REQUEST, "not scripted"));
    }

    @Override
    public void localRead(
        String store, ByteBuffer key, AsyncMethodCallback<LocalReadResponse> callback) {
      callback.onError(new DynamoError(ErrorCode.INVALID_REQUEST, "not scripted"));
    }
  }

  private Stub stub(String id) {
    Stub stub = new Stub(id);
    stub.server =
        ThriftServer.serveClients(
            ThriftServerConfig.builder("127.0.0.1", 0).shutdownGrace(Duration.ZERO).build(), stub);
    open.add(stub.server);
    return stub;
  }

  /** A client whose first choice is {@code first}, then {@code second}. */
  private ThriftDynamoClient client(Stub first, Stub second) {
    ThriftDynamoClient client =
        ThriftDynamoClient.builder()
            .bootstrap(List.of(first.address(), second.address()))
            .requestTimeout(Duration.ofMillis(200))
            .updateAttempts(3)
            .build();
    open.add(client);
    return client;
  }

  @Test
  void aWriteThatMayHaveLandedIsNeverSentAgain() {
    Stub a = stub("a");
    Stub b = stub("b");
    a.writes = Answer.HANG;
    ThriftDynamoClient client = client(a, b);

    assertThatThrownBy(() -> client.put(STORE, bytes("k"), bytes("v"), Context.EMPTY))
        .isInstanceOfSatisfying(
            UnavailableException.class, e -> assertThat(e.mayHaveBeenApplied()).isTrue())
        .hasMessageContaining("outcome is unknown")
        .hasMessageContaining(a.address());
    assertThat(a.puts).hasValue(1);
    assertThat(b.puts).as("not retried elsewhere").hasValue(0);
  }

  @Test
  void writeErrorsWithUnknownOutcomeAreSurfacedNotRetried() {
    Stub a = stub("a");
    Stub b = stub("b");
    ThriftDynamoClient client = client(a, b);

    a.writes = Answer.INSUFFICIENT_REPLICAS;
    assertThatThrownBy(() -> client.put(STORE, bytes("k"), bytes("v"), Context.EMPTY))
        .isInstanceOfSatisfying(
            InsufficientReplicasException.class,
            e -> {
              assertThat(e.answered()).isEqualTo(1);
              assertThat(e.required()).isEqualTo(2);
            });
    a.writes = Answer.INTERNAL;
    // The node's INTERNAL answer arrives as the explicit internal-error type (issue 16), whose
    // outcome is unknown.
    assertThatThrownBy(() -> client.delete(STORE, bytes("k"), Context.EMPTY))
        .isExactlyInstanceOf(InternalException.class)
        .satisfies(e -> assertThat(((DynamoException) e).outcomeUnknown()).isTrue());
    a.writes = Answer.STORE_NOT_FOUND;
    assertThatThrownBy(() -> client.put(STORE, bytes("k"), bytes("v"), Context.EMPTY))
        .isInstanceOf(StoreNotFoundException.class);
    assertThat(a.puts).hasValue(3);
    assertThat(b.puts).hasValue(0);
  }

  @Test
  void aWriteRefusedBeforeAnythingWasDoneMovesToTheNextNode() {
    Stub a = stub("a");
    Stub b = stub("b");
    ThriftDynamoClient client = client(a, b);

    a.writes = Answer.SHUTTING_DOWN;
    client.put(STORE, bytes("k"), bytes("v"), Context.EMPTY);
    assertThat(a.puts).hasValue(1);
    assertThat(b.puts).hasValue(1);

    // a is suspected for a while after SHUTTING_DOWN: b is tried first now.
    a.writes = Answer.NOT_A_REPLICA;
    b.writes = Answer.NOT_A_REPLICA;
    assertThatThrownBy(() -> client.put(STORE, bytes("k"), bytes("v"), Context.EMPTY))
        .isInstanceOfSatisfying(
            UnavailableException.class, e -> assertThat(e.mayHaveBeenApplied()).isFalse())
        .hasMessageContaining("it was not applied")
        .hasMessageContaining("NOT_A_REPLICA");
    assertThat(a.puts).hasValue(2);
    assertThat(b.puts).hasValue(2);
  }

  @Test
  void aWriteToAStoppedNodeMovesToTheNextNode() {
    Stub a = stub("a");
    Stub b = stub("b");
    ThriftDynamoClient client = client(a, b);
    client.put(STORE, bytes("k"), bytes("v"), Context.EMPTY);
    assertThat(a.puts).hasValue(1);

    // The pooled connection to a goes stale: the client notices before sending on it.
    a.server.close();
    client.put(STORE, bytes("k"), bytes("v"), Context.EMPTY);
    assertThat(a.puts).hasValue(1);
    assertThat(b.puts).hasValue(1);
    assertThat(ClientProbe.failovers(client)).isEqualTo(1);
  }

  @Test
  void readsMoveOnAfterTimeoutsAndInternalErrorsUpToTheAttemptLimit() {
    Stub a = stub("a");
    Stub b = stub("b");
    ThriftDynamoClient client = client(a, b);

    a.reads = Answer.HANG;
    assertThat(client.get(STORE, bytes("k")).isAbsent()).isTrue();
    assertThat(a.gets).hasValue(1);
    assertThat(b.gets).hasValue(1);

    a.reads = Answer.INTERNAL;
    b.reads = Answer.INTERNAL;
    assertThatThrownBy(() -> client.get(STORE, bytes("k")))
        .isInstanceOf(UnavailableException.class)
        .hasMessageContaining(a.address())
        .hasMessageContaining(b.address())
        .hasMessageMatching(".*could not be served.*INTERNAL scripted.*INTERNAL scripted");

    a.reads = Answer.INSUFFICIENT_REPLICAS;
    b.reads = Answer.INSUFFICIENT_REPLICAS;
    int before = a.gets.get() + b.gets.get();
    assertThatThrownBy(() -> client.get(STORE, bytes("k")))
        .isInstanceOf(InsufficientReplicasException.class);
    assertThat(a.gets.get() + b.gets.get())
        .as("not retried: the coordinator already waited its timeout")
        .isEqualTo(before + 1);
  }

  @Test
  void updateRetriesFromAFreshReadWhileTheOutcomeIsUnknownThenGivesUp() {
    Stub a = stub("a");
    Stub b = stub("b");
    ThriftDynamoClient client = client(a, b);
    a.writes = Answer.INSUFFICIENT_REPLICAS;

    assertThatThrownBy(
            () ->
                client.update(
                    STORE,
                    bytes("k"),
                    ThriftDynamoClientTest.SET,
                    ThriftDynamoClientTest.UNION,
                    cart -> ThriftDynamoClientTest.with(cart, "x")))
        .isInstanceOfSatisfying(
            InsufficientReplicasException.class, e -> assertThat(e.getSuppressed()).hasSize(1));
    assertThat(a.puts).hasValue(3);
    assertThat(a.gets.get() + b.gets.get()).isEqualTo(3);

    a.writes = Answer.STORE_NOT_FOUND;
    assertThatThrownBy(
            () ->
                client.update(
                    STORE,
                    bytes("k"),
                    ThriftDynamoClientTest.SET,
                    ThriftDynamoClientTest.UNION,
                    cart -> ThriftDynamoClientTest.with(cart, "x")))
        .isInstanceOf(StoreNotFoundException.class);
    assertThat(a.puts).as("not retried").hasValue(4);
  }
}
