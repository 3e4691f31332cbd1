/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift;

import io.dynamokv.core.DynamoException;
import io.dynamokv.core.FailureCode;
import io.dynamokv.core.InvalidRequestException;
import io.dynamokv.core.coordination.CoordinationMessage;
import io.dynamokv.core.membership.GossipMessage;
import io.dynamokv.core.membership.MembershipCodec;
import io.dynamokv.core.node.StoreDefinition;
import io.dynamokv.core.spi.PeerMessage;
import io.dynamokv.transport.thrift.gen.DynamoError;
import io.dynamokv.transport.thrift.gen.ErrorCode;
import io.dynamokv.transport.thrift.gen.Failure;
import io.dynamokv.transport.thrift.gen.ForwardedWrite;
import io.dynamokv.transport.thrift.gen.ForwardedWriteReply;
import io.dynamokv.transport.thrift.gen.Gossip;
import io.dynamokv.transport.thrift.gen.PeerRequest;
import io.dynamokv.transport.thrift.gen.PeerResponse;
import io.dynamokv.transport.thrift.gen.ReplicaRead;
import io.dynamokv.transport.thrift.gen.ReplicaReadReply;
import io.dynamokv.transport.thrift.gen.ReplicaWrite;
import io.dynamokv.transport.thrift.gen.ReplicaWriteReply;
import io.dynamokv.transport.thrift.gen.StoreInfo;

/**
 * Translates between the domain's peer messages and errors and their Thrift structs. Decoding
 * rejects anything malformed (an unset union, a gossip blob that does not decode) with {@link
 * InvalidRequestException}, never with a runtime error of another kind.
 */
final class ThriftCodec {
  private ThriftCodec() {}

  // ---- peer requests ----

  static PeerRequest toThrift(PeerMessage message) {
    if (message instanceof CoordinationMessage.ReplicaRead m) {
      return PeerRequest.replicaRead(new ReplicaRead(m.store(), wrap(m.key())));
    }
    if (message instanceof CoordinationMessage.ReplicaWrite m) {
      return PeerRequest.replicaWrite(
          new ReplicaWrite(m.store(), wrap(m.key()), wrap(m.siblings())));
    }
    if (message instanceof CoordinationMessage.ForwardedWrite m) {
      return PeerRequest.forwardedWrite(
          new ForwardedWrite(
              m.requestId(),
              m.store(),
              wrap(m.key()),
              wrap(m.value()),
              m.delete(),
              wrap(m.context()),
              m.quorum(),
              m.timeoutMillis()));
    }
    if (message instanceof GossipMessage m) {
      return PeerRequest.gossip(new Gossip(wrap(MembershipCodec.encode(m))));
    }
    throw new IllegalArgumentException("not a peer request: " + message.getClass().getName());
  }

  static PeerMessage fromThrift(PeerRequest request) {
    if (request == null || !request.isSet()) {
      throw unsupported("request");
    }
    switch (request.getSetField()) {
      case REPLICA_READ -> {
        ReplicaRead m = request.getReplicaRead();
        return new CoordinationMessage.ReplicaRead(m.getStore(), m.getKey());
      }
      case REPLICA_WRITE -> {
        ReplicaWrite m = request.getReplicaWrite();
        return new CoordinationMessage.ReplicaWrite(m.getStore(), m.getKey(), m.getSiblings());
      }
      case FORWARDED_WRITE -> {
        ForwardedWrite m = request.getForwardedWrite();
        return new CoordinationMessage.ForwardedWrite(
            m.getRequestId(),
            m.getStore(),
            m.getKey(),
            m.getValue(),
            m.isTombstone(),
            m.getContext(),
            m.getQuorum(),
            m.getTimeoutMillis());
      }
      case GOSSIP -> {
        return gossip(request.getGossip());
      }
      default -> throw unsupported("request");
    }
  }

  // ---- peer responses ----

  static PeerResponse toThriftResponse(PeerMessage message) {
    if (message instanceof CoordinationMessage.ReplicaReadReply m) {
      return PeerResponse.replicaReadReply(new ReplicaReadReply(wrap(m.siblings())));
    }
    if (message instanceof CoordinationMessage.ReplicaWriteReply) {
      return PeerResponse.replicaWriteReply(new ReplicaWriteReply());
    }
    if (message instanceof CoordinationMessage.ForwardedWriteReply m) {
      return PeerResponse.forwardedWriteReply(new ForwardedWriteReply(wrap(m.context())));
    }
    if (message instanceof io.dynamokv.core.wire.Failure m) {
      Failure f = new Failure(code(m.code()), m.message());
      f.setAnswered(m.answered());
      f.setQuorum(m.required());
      return PeerResponse.failure(f);
    }
    if (message instanceof GossipMessage m) {
      return PeerResponse.gossip(new Gossip(wrap(MembershipCodec.encode(m))));
    }
    throw new IllegalArgumentException("not a peer response: " + message.getClass().getName());
  }

  static PeerMessage fromThrift(PeerResponse response) {
    if (response == null || !response.isSet()) {
      throw unsupported("response");
    }
    switch (response.getSetField()) {
      case REPLICA_READ_REPLY -> {
        return new CoordinationMessage.ReplicaReadReply(
            response.getReplicaReadReply().getSiblings());
      }
      case REPLICA_WRITE_REPLY -> {
        return new CoordinationMessage.ReplicaWriteReply();
      }
      case FORWARDED_WRITE_REPLY -> {
        return new CoordinationMessage.ForwardedWriteReply(
            response.getForwardedWriteReply().getContext());
      }
      case GOSSIP -> {
        return gossip(response.getGossip());
      }
      case FAILURE -> {
        Failure f = response.getFailure();
        return new io.dynamokv.core.wire.Failure(
            code(f.getCode()), String.valueOf(f.getMessage()), f.getAnswered(), f.getQuorum());
      }
      default -> throw unsupported("response");
    }
  }

  // ---- stores ----

  static StoreInfo toThrift(StoreDefinition s) {
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
  static StoreDefinition fromThrift(StoreInfo s) {
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
  static DynamoError toError(Throwable error) {
    io.dynamokv.core.wire.Failure failure = io.dynamokv.core.wire.Failure.of(error);
    DynamoError e = new DynamoError(code(failure.code()), failure.message());
    e.setAnswered(failure.answered());
    e.setQuorum(failure.required());
    return e;
  }

  /** The domain exception a client-facing error stands for. */
  static DynamoException toException(DynamoError error) {
    return code(error.getCode())
        .exception(String.valueOf(error.getMessage()), error.getAnswered(), error.getQuorum());
  }

  static ErrorCode code(FailureCode code) {
    return switch (code) {
      case INSUFFICIENT_REPLICAS -> ErrorCode.INSUFFICIENT_REPLICAS;
      case STORE_NOT_FOUND -> ErrorCode.STORE_NOT_FOUND;
      case LIMIT_EXCEEDED -> ErrorCode.LIMIT_EXCEEDED;
      case INVALID_CONTEXT -> ErrorCode.INVALID_CONTEXT;
      case INVALID_REQUEST -> ErrorCode.INVALID_REQUEST;
      case NOT_A_REPLICA -> ErrorCode.NOT_A_REPLICA;
      case SHUTTING_DOWN -> ErrorCode.SHUTTING_DOWN;
      case INTERNAL -> ErrorCode.INTERNAL;
    };
  }

  /** An unknown code (from a newer peer) reads as INTERNAL. */
  static FailureCode code(ErrorCode code) {
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
    };
  }

  // ---- helpers ----

  /**
   * Gossip stays in its {@link MembershipCodec} bytes: the node's membership decodes and validates
   * it, and counts what it refuses (undecodable bytes included) by reason.
   */
  private static GossipMessage gossip(Gossip gossip) {
    if (gossip == null || !gossip.isSetMessage()) {
      throw new InvalidRequestException("gossip without a message");
    }
    return new GossipMessage.Encoded(gossip.getMessage());
  }

  private static InvalidRequestException unsupported(String what) {
    return new InvalidRequestException(
        "unsupported or empty peer " + what + " (is the peer running a newer version?)");
  }

  private static java.nio.ByteBuffer wrap(byte[] bytes) {
    return java.nio.ByteBuffer.wrap(bytes);
  }
}
