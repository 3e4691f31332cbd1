/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift;

import io.dynamokv.core.DynamoException;
import io.dynamokv.core.FailureCode;
import io.dynamokv.core.StatusSection;
import io.dynamokv.core.node.StoreDefinition;
import io.dynamokv.transport.thrift.gen.DynamoError;
import io.dynamokv.transport.thrift.gen.ErrorCode;
import io.dynamokv.transport.thrift.gen.StatInfo;
import io.dynamokv.transport.thrift.gen.StatusSectionInfo;
import io.dynamokv.transport.thrift.gen.StoreInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Translates between the domain's stores and errors and their Thrift structs (peer messages travel
 * as the core's bytes: {@link PeerFrames}).
 */
public final class ThriftCodec {
  private ThriftCodec() {}

  // ---- stores ----

  public static StoreInfo toThrift(StoreDefinition s) {
    StoreInfo info =
        new StoreInfo(
            s.name(),
            s.replicationFactor(),
            s.readQuorum(),
            s.writeQuorum(),
            s.maxKeyBytes(),
            s.maxValueBytes());
    info.setMaxSiblings(s.maxSiblings());
    info.setMaxBytesPerKey(s.maxBytesPerKey());
    info.setMaxContextBytes(s.maxContextBytes());
    return info;
  }

  /**
   * The store a node declared. Limits an older node did not send are the defaults.
   *
   * @throws IllegalArgumentException when the declaration is not a valid store
   */
  public static StoreDefinition fromThrift(StoreInfo s) {
    return new StoreDefinition(
        s.getName(),
        s.getReplicas(),
        s.getReadQuorum(),
        s.getWriteQuorum(),
        s.getMaxKeyBytes(),
        s.getMaxValueBytes(),
        s.isSetMaxSiblings() ? s.getMaxSiblings() : StoreDefinition.DEFAULT_MAX_SIBLINGS,
        s.isSetMaxBytesPerKey() ? s.getMaxBytesPerKey() : StoreDefinition.DEFAULT_MAX_BYTES_PER_KEY,
        s.isSetMaxContextBytes()
            ? s.getMaxContextBytes()
            : StoreDefinition.DEFAULT_MAX_CONTEXT_BYTES);
  }

  // ---- errors ----

  /** The client-facing error for {@code error} (a domain exception or anything else). */
  public static DynamoError toError(Throwable error) {
    io.dynamokv.core.wire.Failure failure = io.dynamokv.core.wire.Failure.of(error);
    DynamoError e = new DynamoError(code(failure.code()), failure.message());
    e.setAnswered(failure.answered());
    e.setQuorum(failure.required());
    return e;
  }

  /** The domain exception a client-facing error stands for. */
  public static DynamoException toException(DynamoError error) {
    return code(error.getCode())
        .exception(String.valueOf(error.getMessage()), error.getAnswered(), error.getQuorum());
  }

  public static ErrorCode code(FailureCode code) {
    return switch (code) {
      case INSUFFICIENT_REPLICAS -> ErrorCode.INSUFFICIENT_REPLICAS;
      case STORE_NOT_FOUND -> ErrorCode.STORE_NOT_FOUND;
      case LIMIT_EXCEEDED -> ErrorCode.LIMIT_EXCEEDED;
      case INVALID_CONTEXT -> ErrorCode.INVALID_CONTEXT;
      case INVALID_REQUEST -> ErrorCode.INVALID_REQUEST;
      case NOT_A_REPLICA -> ErrorCode.NOT_A_REPLICA;
      case SHUTTING_DOWN -> ErrorCode.SHUTTING_DOWN;
      case INTERNAL -> ErrorCode.INTERNAL;
      case UNAUTHENTICATED -> ErrorCode.UNAUTHENTICATED;
      // A replica-level answer that coordinators handle; a client that gets it got a node's bug.
      case INCOMPLETE -> ErrorCode.INTERNAL;
    };
  }

  /** An unknown code (from a newer peer) reads as INTERNAL. */
  public static FailureCode code(ErrorCode code) {
    if (code == null) {
      return FailureCode.INTERNAL;
    }
    return switch (code) {
      case INSUFFICIENT_REPLICAS -> FailureCode.INSUFFICIENT_REPLICAS;
      case STORE_NOT_FOUND -> FailureCode.STORE_NOT_FOUND;
      case LIMIT_EXCEEDED -> FailureCode.LIMIT_EXCEEDED;
      case INVALID_CONTEXT -> FailureCode.INVALID_CONTEXT;
      case INVALID_REQUEST -> FailureCode.INVALID_REQUEST;
      case NOT_A_REPLICA -> FailureCode.NOT_A_REPLICA;
      case SHUTTING_DOWN -> FailureCode.SHUTTING_DOWN;
      case INTERNAL -> FailureCode.INTERNAL;
      case UNAUTHENTICATED -> FailureCode.UNAUTHENTICATED;
    };
  }

  // ---- status ----

  /** A status section as it travels. */
  public static StatusSectionInfo toThrift(StatusSection section) {
    List<StatInfo> stats = new ArrayList<>(section.stats().size());
    for (StatusSection.Stat s : section.stats()) {
      StatInfo info =
          new StatInfo(s.name(), s.kind() == StatusSection.Kind.COUNTER, s.tags(), s.value());
      info.setHelp(s.help());
      stats.add(info);
    }
    return new StatusSectionInfo(section.name(), stats);
  }

  /** The status section a node sent; missing parts read as empty. */
  public static StatusSection fromThrift(StatusSectionInfo info) {
    List<StatusSection.Stat> stats = new ArrayList<>();
    if (info.getStats() != null) {
      for (StatInfo s : info.getStats()) {
        stats.add(
            new StatusSection.Stat(
                String.valueOf(s.getName()),
                s.isCounter() ? StatusSection.Kind.COUNTER : StatusSection.Kind.GAUGE,
                s.getTags() == null ? new TreeMap<>() : new TreeMap<>(s.getTags()),
                s.getValue(),
                s.isSetHelp() ? s.getHelp() : ""));
      }
    }
    return new StatusSection(String.valueOf(info.getName()), stats);
  }
}
