/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.server;

import io.dynamokv.core.DynamoException;
import io.dynamokv.core.InvalidRequestException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.StatusSection;
import io.dynamokv.core.client.Context;
import io.dynamokv.core.client.RequestOptions;
import io.dynamokv.core.client.Sibling;
import io.dynamokv.core.membership.Membership;
import io.dynamokv.core.membership.MembershipView;
import io.dynamokv.core.node.DynamoNode;
import io.dynamokv.core.node.LocalCopy;
import io.dynamokv.core.node.NodeStats;
import io.dynamokv.core.node.ServingProbe;
import io.dynamokv.core.node.StoreDefinition;
import io.dynamokv.core.ring.Ring;
import io.dynamokv.core.ring.RingCodec;
import io.dynamokv.core.spi.StorageEngine;
import io.dynamokv.core.version.Versioned;
import io.dynamokv.transport.thrift.AddressBook;
import io.dynamokv.transport.thrift.NodeAddress;
import io.dynamokv.transport.thrift.ThriftCodec;
import io.dynamokv.transport.thrift.gen.ClusterInfo;
import io.dynamokv.transport.thrift.gen.DeleteRequest;
import io.dynamokv.transport.thrift.gen.DynamoService;
import io.dynamokv.transport.thrift.gen.GetRequest;
import io.dynamokv.transport.thrift.gen.GetResponse;
import io.dynamokv.transport.thrift.gen.LocalReadResponse;
import io.dynamokv.transport.thrift.gen.LocalVersion;
import io.dynamokv.transport.thrift.gen.MemberInfo;
import io.dynamokv.transport.thrift.gen.NodeStatusInfo;
import io.dynamokv.transport.thrift.gen.PutRequest;
import io.dynamokv.transport.thrift.gen.SiblingInfo;
import io.dynamokv.transport.thrift.gen.StoreInfo;
import io.dynamokv.transport.thrift.gen.WriteResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.thrift.async.AsyncMethodCallback;

/**
 * The client service of one node: data requests go to its {@link DynamoNode} (which coordinates or
 * forwards them); cluster, status and probe answer from it. Admin commands are not here: they take
 * the admin token, on the peer port. Never blocks the calling thread.
 */
public final class NodeService implements DynamoService.AsyncIface {
  private final DynamoNode node;
  private final StorageEngine storage;
  private final RequestObserver observer;
  private final ServingProbe probe;
  private final Supplier<List<StatusSection>> status;

  public NodeService(DynamoNode node, StorageEngine storage) {
    this(node, storage, RequestObserver.NONE);
  }

  /**
   * @param observer told the outcome and duration of every get, put and delete (e.g. metrics)
   */
  public NodeService(DynamoNode node, StorageEngine storage, RequestObserver observer) {
    this(node, storage, observer, node::status);
  }

  /**
   * @param observer told the outcome and duration of every get, put and delete (e.g. metrics)
   * @param status the sections {@code status} answers: the node's, and whatever the host adds (e.g.
   *     its transport's)
   */
  public NodeService(
      DynamoNode node,
      StorageEngine storage,
      RequestObserver observer,
      Supplier<List<StatusSection>> status) {
    this.node = node;
    this.storage = storage;
    this.observer = observer;
    this.status = java.util.Objects.requireNonNull(status, "status");
    this.probe = new ServingProbe(node);
  }

  /** Sees every data request complete. Called on a transport or node thread: MUST NOT block. */
  @FunctionalInterface
  public interface RequestObserver {
    RequestObserver NONE = (operation, nanos, error) -> {};

    /**
     * @param operation {@code get}, {@code put} or {@code delete}
     * @param nanos from the request's arrival to its answer
     * @param error why it failed, or {@code null}
     */
    void completed(String operation, long nanos, Throwable error);
  }

  @Override
  public void get(GetRequest request, AsyncMethodCallback<GetResponse> callback) {
    if (request == null) {
      missing("request", callback);
      return;
    }
    timed(
        "get",
        node.get(request.getStore(), request.getKey(), options(request.getOptions())),
        result -> {
          List<ByteBuffer> values = new ArrayList<>(result.siblings().size());
          List<SiblingInfo> siblings = new ArrayList<>(result.siblings().size());
          for (Sibling<byte[]> s : result.siblings()) {
            values.add(ByteBuffer.wrap(s.value()));
            siblings.add(new SiblingInfo(s.coordinator().value(), s.writtenAt().toEpochMilli()));
          }
          return new GetResponse(values, ByteBuffer.wrap(result.context().toBytes()))
              .setSiblings(siblings);
        },
        callback);
  }

  @Override
  public void put(PutRequest request, AsyncMethodCallback<WriteResponse> callback) {
    if (request == null) {
      missing("request", callback);
      return;
    }
    timed(
        "put",
        node.put(
            request.getStore(),
            request.getKey(),
            request.getValue(),
            Context.fromBytes(request.getContext()),
            options(request.getOptions())),
        NodeService::written,
        callback);
  }

  @Override
  public void erase(DeleteRequest request, AsyncMethodCallback<WriteResponse> callback) {
    if (request == null) {
      missing("request", callback);
      return;
    }
    timed(
        "delete",
        node.delete(
            request.getStore(),
            request.getKey(),
            Context.fromBytes(request.getContext()),
            options(request.getOptions())),
        NodeService::written,
        callback);
  }

  @Override
  public void cluster(AsyncMethodCallback<ClusterInfo> callback) {
    callback.onComplete(clusterInfo());
  }

  @Override
  public void status(AsyncMethodCallback<NodeStatusInfo> callback) {
    NodeStats stats = node.stats();
    Map<String, Long> counters = new LinkedHashMap<>();
    counters.put("reads", stats.reads());
    counters.put("writes", stats.writes());
    counters.put("forwarded", stats.forwarded());
    counters.put("quorum_failures", stats.quorumFailures());
    counters.put("duplicate_forwards", stats.duplicateForwards());
    Membership.Stats gossip = node.membership().stats();
    counters.put("gossip_rounds", gossip.rounds());
    counters.put("gossip_refused", gossip.refusedTotal());
    NodeStatusInfo info =
        new NodeStatusInfo(
            clusterInfo(), counters, storage.describe(), storage.approximateSizeBytes());
    info.setSections(status.get().stream().map(ThriftCodec::toThrift).toList());
    callback.onComplete(info);
  }

  @Override
  public void probe(String store, AsyncMethodCallback<Void> callback) {
    if (store == null) {
      missing("store", callback);
      return;
    }
    reply(probe.run(store), v -> null, callback);
  }

  @Override
  public void localRead(
      String store, ByteBuffer key, AsyncMethodCallback<LocalReadResponse> callback) {
    if (store == null) {
      missing("store", callback);
      return;
    }
    if (key == null) {
      missing("key", callback);
      return;
    }
    byte[] k = new byte[key.remaining()];
    key.duplicate().get(k);
    reply(node.localRead(store, k), NodeService::localCopy, callback);
  }

  private static LocalReadResponse localCopy(LocalCopy copy) {
    List<LocalVersion> versions = new ArrayList<>();
    for (Versioned v : copy.siblings().values()) {
      versions.add(new LocalVersion(ByteBuffer.wrap(v.value()), v.isTombstone(), v.wallMillis()));
    }
    return new LocalReadResponse(
        copy.node().value(),
        versions,
        copy.owner(),
        copy.owners().stream().map(NodeId::value).toList(),
        copy.ringVersion());
  }

  private ClusterInfo clusterInfo() {
    MembershipView view = node.membership().view();
    Ring ring = node.ring().orElse(null);
    List<MemberInfo> members = new ArrayList<>();
    for (MembershipView.Member m : view.members().values()) {
      boolean reachable = m.id().equals(node.id()) || m.reachable();
      double share = ring != null && ring.contains(m.id()) ? ring.ownershipShare(m.id()) : 0.0;
      NodeAddress address = address(m.address());
      MemberInfo info =
          new MemberInfo(
              m.id().value(),
              address == null ? m.address() : AddressBook.hostPort(address.client()),
              m.zone(),
              m.status().name(),
              reachable,
              share,
              m.generation());
      if (address != null) {
        info.setPeerAddress(AddressBook.hostPort(address.peer()));
      }
      members.add(info);
    }
    List<StoreInfo> stores = new ArrayList<>();
    for (StoreDefinition s : node.config().stores().values()) {
      stores.add(ThriftCodec.toThrift(s));
    }
    return new ClusterInfo(
        node.id().value(),
        ring == null ? 0 : ring.version(),
        ByteBuffer.wrap(ring == null ? new byte[0] : RingCodec.encode(ring)),
        members,
        stores);
  }

  private static NodeAddress address(String gossiped) {
    try {
      return gossiped.isEmpty() ? null : NodeAddress.parse(gossiped);
    } catch (IllegalArgumentException e) {
      return null; // shown as gossiped; a client cannot route to it
    }
  }

  /**
   * Arguments are optional on the wire (only struct fields are required), so a request without its
   * argument decodes; it is refused as invalid rather than failing as an internal error.
   */
  private static void missing(String argument, AsyncMethodCallback<?> callback) {
    callback.onError(
        ThriftCodec.toError(
            new InvalidRequestException("the " + argument + " argument is missing")));
  }

  private static WriteResponse written(Context context) {
    return new WriteResponse(ByteBuffer.wrap(context.toBytes()));
  }

  private static RequestOptions options(io.dynamokv.transport.thrift.gen.RequestOptions options) {
    if (options == null) {
      return RequestOptions.DEFAULTS;
    }
    try {
      return new RequestOptions(
          options.isSetQuorum() ? options.getQuorum() : 0,
          options.isSetTimeoutMillis() ? Duration.ofMillis(options.getTimeoutMillis()) : null);
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException(e.getMessage());
    }
  }

  private <T, R> void timed(
      String operation,
      CompletionStage<T> outcome,
      Function<T, R> toThrift,
      AsyncMethodCallback<R> callback) {
    long start = System.nanoTime();
    reply(
        outcome.whenComplete(
            (value, error) ->
                observer.completed(
                    operation,
                    System.nanoTime() - start,
                    error == null ? null : DynamoException.unwrap(error))),
        toThrift,
        callback);
  }

  private static <T, R> void reply(
      CompletionStage<T> outcome, Function<T, R> toThrift, AsyncMethodCallback<R> callback) {
    outcome.whenComplete(
        (value, error) -> {
          if (error != null) {
            callback.onError(ThriftCodec.toError(error));
          } else {
            callback.onComplete(toThrift.apply(value));
          }
        });
  }
}
