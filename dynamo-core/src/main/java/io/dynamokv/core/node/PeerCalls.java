/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import io.dynamokv.core.DynamoException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.membership.Reachability;
import io.dynamokv.core.spi.PeerException;
import io.dynamokv.core.spi.PeerMessage;
import io.dynamokv.core.spi.PeerTransport;
import io.dynamokv.core.spi.Scheduler;
import io.dynamokv.core.wire.Failure;
import java.time.Duration;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;

/**
 * How a node's rooms call their peers: sends through the {@link PeerTransport}, hops the outcome
 * back onto the node's scheduler (dropping it once the node has closed), reports it to {@link
 * Reachability}, and maps it to either the expected reply or one error, so that callers never look
 * at message types.
 */
final class PeerCalls {
  private final Scheduler scheduler;
  private final PeerTransport transport;
  private final Reachability reachability;
  private final BooleanSupplier closed;

  PeerCalls(
      Scheduler scheduler,
      PeerTransport transport,
      Reachability reachability,
      BooleanSupplier closed) {
    this.scheduler = scheduler;
    this.transport = transport;
    this.reachability = reachability;
    this.closed = closed;
  }

  /**
   * Whether this node considers {@code node} reachable: its failure detector and its own recent
   * calls ({@link Reachability}).
   */
  boolean reachable(NodeId node) {
    return reachability.isReachable(node);
  }

  /**
   * Sends {@code request} to {@code target} and runs {@code onDone} on the scheduler, unless the
   * node has closed by then, with exactly one of: the reply, when it is a {@code replyType}; or the
   * error: the transport's {@link PeerException}, the exception a {@link Failure} reply stands for,
   * or {@link PeerException.Remote} for a reply of another type.
   *
   * <p>Before {@code onDone}, the outcome is reported to {@link Reachability}: no answer ({@link
   * PeerException.Timeout}, {@link PeerException.Unreachable}) as a failed call, any answer (an
   * error reply included: the peer answered) as a successful one.
   */
  <R extends PeerMessage> void call(
      NodeId target,
      PeerMessage request,
      Class<R> replyType,
      Duration timeout,
      BiConsumer<R, Throwable> onDone) {
    transport
        .call(target, request, timeout)
        .whenComplete(
            // Inline: an idle node handles the reply on the thread that received it, one wake-up
            // less per reply; a busy one queues it as before.
            (reply, error) ->
                scheduler.executeInline(
                    () -> {
                      if (closed.getAsBoolean()) {
                        return;
                      }
                      if (error != null) {
                        Throwable cause = DynamoException.unwrap(error);
                        if (cause instanceof PeerException.Timeout
                            || cause instanceof PeerException.Unreachable) {
                          reachability.callFailed(target);
                        } else if (cause instanceof PeerException) {
                          reachability.callSucceeded(target);
                        }
                        onDone.accept(null, cause);
                        return;
                      }
                      reachability.callSucceeded(target);
                      if (replyType.isInstance(reply)) {
                        onDone.accept(replyType.cast(reply), null);
                      } else if (reply instanceof Failure failure) {
                        onDone.accept(null, failure.toException());
                      } else {
                        onDone.accept(
                            null, new PeerException.Remote(target, "unexpected reply " + reply));
                      }
                    }));
  }
}
