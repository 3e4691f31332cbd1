/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.bench.ycsb;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.dynamokv.core.client.Context;
import io.dynamokv.core.client.GetResult;
import io.dynamokv.core.client.RequestOptions;
import io.dynamokv.core.client.Resolvers;
import io.dynamokv.core.client.VersionResolver;
import io.dynamokv.transport.thrift.client.ThriftDynamoClient;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.Vector;
import site.ycsb.ByteArrayByteIterator;
import site.ycsb.ByteIterator;
import site.ycsb.DB;
import site.ycsb.DBException;
import site.ycsb.Status;

/**
 * A YCSB binding over the partition-aware {@link ThriftDynamoClient}.
 *
 * <p>Properties:
 *
 * <ul>
 *   <li>{@code dynamo.hosts}: the nodes to bootstrap from, {@code host:port,...} (required);
 *   <li>{@code dynamo.store}: the store every table maps to (default {@code default});
 *   <li>{@code dynamo.quorum}: R for reads and W for writes, 0 for the store's (default 0);
 *   <li>{@code dynamo.timeout-ms}: each request's timeout, 0 for the node's (default 0).
 * </ul>
 *
 * <p>A record is one value ({@link RecordCodec}). A read resolves siblings last writer wins; an
 * update is a read-modify-write ({@link io.dynamokv.core.client.DynamoClient#update}) that resolves
 * the same way, then sets the update's fields, so it supersedes every sibling it read; an insert is
 * a blind put (a fresh key has nothing to supersede); a delete reads for the context first. Scans
 * are not supported: Dynamo has no ordered key space.
 *
 * <p>YCSB makes one instance per client thread; they share one client (and its connection pools)
 * per {@code dynamo.hosts}, closed with the last instance.
 */
public final class DynamoYcsbDb extends DB {
  private static final VersionResolver<SortedMap<String, byte[]>> LAST_WRITER_WINS =
      Resolvers.lastWriterWins(
          (a, b) -> Arrays.compare(RecordCodec.INSTANCE.encode(a), RecordCodec.INSTANCE.encode(b)));
  private static final Map<String, Shared> CLIENTS = new HashMap<>();

  private String hosts;
  private ThriftDynamoClient client;
  private String store;
  private RequestOptions options;

  private static final class Shared {
    final ThriftDynamoClient client;
    int users;

    Shared(ThriftDynamoClient client) {
      this.client = client;
    }
  }

  @Override
  public void init() throws DBException {
    Properties p = getProperties();
    hosts = p.getProperty("dynamo.hosts");
    if (hosts == null || hosts.isBlank()) {
      throw new DBException("dynamo.hosts is required: host:port of one or more nodes");
    }
    store = p.getProperty("dynamo.store", "default");
    int quorum = Integer.parseInt(p.getProperty("dynamo.quorum", "0"));
    long timeoutMillis = Long.parseLong(p.getProperty("dynamo.timeout-ms", "0"));
    options =
        new RequestOptions(quorum, timeoutMillis == 0 ? null : Duration.ofMillis(timeoutMillis));
    synchronized (CLIENTS) {
      Shared shared = CLIENTS.get(hosts);
      if (shared == null) {
        try {
          shared =
              new Shared(ThriftDynamoClient.builder().bootstrap(List.of(hosts.split(","))).build());
        } catch (RuntimeException e) {
          throw new DBException("cannot connect to " + hosts + ": " + e.getMessage(), e);
        }
        CLIENTS.put(hosts, shared);
      }
      shared.users++;
      client = shared.client;
    }
  }

  @Override
  public void cleanup() {
    synchronized (CLIENTS) {
      Shared shared = CLIENTS.get(hosts);
      if (shared != null && --shared.users == 0) {
        CLIENTS.remove(hosts);
        shared.client.close();
      }
    }
  }

  @Override
  public Status read(
      String table, String key, Set<String> fields, Map<String, ByteIterator> result) {
    try {
      GetResult got = client.get(store, key.getBytes(UTF_8), options);
      SortedMap<String, byte[]> record = got.resolve(RecordCodec.INSTANCE, LAST_WRITER_WINS);
      if (record == null) {
        return Status.NOT_FOUND;
      }
      record.forEach(
          (name, value) -> {
            if (fields == null || fields.contains(name)) {
              result.put(name, new ByteArrayByteIterator(value));
            }
          });
      return Status.OK;
    } catch (RuntimeException e) {
      return status(e);
    }
  }

  @Override
  public Status scan(
      String table,
      String startKey,
      int recordCount,
      Set<String> fields,
      Vector<HashMap<String, ByteIterator>> result) {
    return Status.NOT_IMPLEMENTED;
  }

  @Override
  public Status update(String table, String key, Map<String, ByteIterator> values) {
    SortedMap<String, byte[]> changes = toBytes(values);
    try {
      client.update(
          store,
          key.getBytes(UTF_8),
          RecordCodec.INSTANCE,
          LAST_WRITER_WINS,
          record -> {
            SortedMap<String, byte[]> next = record == null ? new TreeMap<>() : record;
            next.putAll(changes);
            return next;
          },
          options);
      return Status.OK;
    } catch (RuntimeException e) {
      return status(e);
    }
  }

  @Override
  public Status insert(String table, String key, Map<String, ByteIterator> values) {
    try {
      client.put(
          store,
          key.getBytes(UTF_8),
          RecordCodec.INSTANCE.encode(toBytes(values)),
          Context.EMPTY,
          options);
      return Status.OK;
    } catch (RuntimeException e) {
      return status(e);
    }
  }

  @Override
  public Status delete(String table, String key) {
    try {
      byte[] k = key.getBytes(UTF_8);
      GetResult got = client.get(store, k, options);
      if (got.isAbsent()) {
        return Status.NOT_FOUND;
      }
      client.delete(store, k, got.context(), options);
      return Status.OK;
    } catch (RuntimeException e) {
      return status(e);
    }
  }

  private static SortedMap<String, byte[]> toBytes(Map<String, ByteIterator> values) {
    SortedMap<String, byte[]> out = new TreeMap<>();
    values.forEach((name, value) -> out.put(name, value.toArray()));
    return out;
  }

  private static Status status(RuntimeException e) {
    return e instanceof io.dynamokv.core.UnavailableException
        ? Status.SERVICE_UNAVAILABLE
        : new Status("ERROR", e.getClass().getSimpleName() + ": " + e.getMessage());
  }
}
