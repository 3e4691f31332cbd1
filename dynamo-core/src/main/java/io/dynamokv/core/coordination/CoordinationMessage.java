/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.coordination;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.spi.PeerMessage;
import java.util.Objects;

/**
 * The messages of request coordination between nodes (paper §4.5), encoded by {@link
 * CoordinationCodec}. Sibling sets travel encoded with the version codec, so a transport carries
 * them as opaque bytes. Byte arrays are not copied: neither sender nor receiver may modify them
 * after construction.
 *
 * <p>Every request may be answered with a {@link io.dynamokv.core.wire.Failure} instead of its
 * reply type. A replica serves a request through {@link Request#accept}, and a codec walks any
 * message through {@link #accept(Visitor)}: no one inspects message types one by one.
 */
public sealed interface CoordinationMessage extends PeerMessage {
  /** Calls the method of {@code visitor} for this message's type. */
  <R> R accept(Visitor<R> visitor);

  /** One method per message type. */
  interface Visitor<R> {
    R replicaRead(ReplicaRead m);

    R replicaReadReply(ReplicaReadReply m);

    R replicaWrite(ReplicaWrite m);

    R replicaWriteReply(ReplicaWriteReply m);

    R forwardedWrite(ForwardedWrite m);

    R forwardedWriteReply(ForwardedWriteReply m);

    R hintWrite(HintWrite m);

    R flush(Flush m);

    R flushed(Flushed m);
  }

  /** The messages a node sends to start an exchange. */
  sealed interface Request extends CoordinationMessage {
    /** Calls the method of {@code handler} for this request's type. */
    <R> R accept(Handler<R> handler);
  }

  /** Serves requests, one method per type. */
  interface Handler<R> {
    R replicaRead(ReplicaRead request);

    R replicaWrite(ReplicaWrite request);

    R forwardedWrite(ForwardedWrite request);

    R hintWrite(HintWrite request);

    R flush(Flush request);
  }

  /** Asks a replica for its sibling set of {@code key} in {@code store}. */
  record ReplicaRead(String store, byte[] key) implements Request {
    public ReplicaRead {
      Objects.requireNonNull(store, "store");
      Objects.requireNonNull(key, "key");
    }

    @Override
    public <R> R accept(Handler<R> handler) {
      return handler.replicaRead(this);
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.replicaRead(this);
    }
  }

  /** A replica's encoded sibling set; empty when it holds nothing for the key. */
  record ReplicaReadReply(byte[] siblings) implements CoordinationMessage {
    public ReplicaReadReply {
      Objects.requireNonNull(siblings, "siblings");
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.replicaReadReply(this);
    }
  }

  /**
   * Asks a replica to merge {@code siblings} (encoded) into its own set of {@code key} and persist
   * the result before replying.
   */
  record ReplicaWrite(String store, byte[] key, byte[] siblings) implements Request {
    public ReplicaWrite {
      Objects.requireNonNull(store, "store");
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(siblings, "siblings");
    }

    @Override
    public <R> R accept(Handler<R> handler) {
      return handler.replicaWrite(this);
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.replicaWrite(this);
    }
  }

  /** The replica persisted the merged set. */
  record ReplicaWriteReply() implements CoordinationMessage {
    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.replicaWriteReply(this);
    }
  }

  /**
   * A put or delete sent by a node that is not a replica of the key to one that is, to coordinate
   * it. A forwarded write is never forwarded again.
   *
   * @param value the value of a put; for a delete, the tombstone's marker (usually empty)
   * @param delete whether this is a delete
   * @param context the client's encoded context (possibly empty)
   * @param quorum the client's W override, 0 for the store's
   * @param timeoutMillis how long the coordinator may wait for W acknowledgements
   * @param requestId unique per forwarding node: the coordinator answers a duplicate of a forward
   *     it has seen recently with the first one's outcome instead of writing again (a duplicated
   *     message must not become a second sibling)
   */
  record ForwardedWrite(
      long requestId,
      String store,
      byte[] key,
      byte[] value,
      boolean delete,
      byte[] context,
      int quorum,
      long timeoutMillis)
      implements Request {
    public ForwardedWrite {
      Objects.requireNonNull(store, "store");
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(value, "value");
      Objects.requireNonNull(context, "context");
    }

    @Override
    public <R> R accept(Handler<R> handler) {
      return handler.forwardedWrite(this);
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.forwardedWrite(this);
    }
  }

  /** The forwarded write reached W; {@code context} is the written version's. */
  record ForwardedWriteReply(byte[] context) implements CoordinationMessage {
    public ForwardedWriteReply {
      Objects.requireNonNull(context, "context");
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.forwardedWriteReply(this);
    }
  }

  /**
   * Asks a node to stand in for {@code owner} (paper §4.6): to merge {@code siblings} (encoded)
   * into the hint it holds for {@code owner} of {@code key} in {@code store}, persist it before
   * replying with a {@link ReplicaWriteReply}, and hand it to the owner later. A node whose hints
   * are at their cap refuses a hint for a key it holds none of, with a failure.
   */
  record HintWrite(String store, byte[] key, NodeId owner, byte[] siblings) implements Request {
    public HintWrite {
      Objects.requireNonNull(store, "store");
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(owner, "owner");
      Objects.requireNonNull(siblings, "siblings");
    }

    @Override
    public <R> R accept(Handler<R> handler) {
      return handler.hintWrite(this);
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.hintWrite(this);
    }
  }

  /**
   * Asks a node to make every write it acknowledged so far durable (an fsync of its engine) before
   * replying with {@link Flushed}: what a stand-in waits for before it deletes hints it delivered,
   * since under {@code write-no-sync} an acknowledged write does not survive a power failure.
   * Format 2.
   */
  record Flush() implements Request {
    @Override
    public <R> R accept(Handler<R> handler) {
      return handler.flush(this);
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.flush(this);
    }
  }

  /**
   * A node's answer to {@link Flush}: everything it acknowledged in its current incarnation is
   * durable. {@code epoch} is that incarnation's first epoch: the same epoch in two answers means
   * no unclean stop (which could lose acknowledged writes) came between them. Format 2.
   */
  record Flushed(long epoch) implements CoordinationMessage {
    public Flushed {
      if (epoch < 0) {
        throw new IllegalArgumentException("epoch must not be negative, found " + epoch);
      }
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.flushed(this);
    }
  }
}
