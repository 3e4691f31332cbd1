/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.spi;

import io.dynamokv.core.NodeId;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * Asynchronous request/response between nodes, addressed by {@link NodeId}. The transport resolves
 * addresses itself (from configuration and membership); the domain never sees sockets.
 *
 * <p>Contract:
 *
 * <ul>
 *   <li>{@link #call} never blocks: it returns a stage that completes exactly once, with the
 *       target's response or exceptionally with a {@link PeerException}:
 *       <ul>
 *         <li>{@link PeerException.Unreachable}: the request was certainly <b>not delivered</b> (no
 *             connection);
 *         <li>{@link PeerException.Timeout}: no response within {@code timeout}; the request MAY
 *             have been applied;
 *         <li>{@link PeerException.Remote}: the target received the request and its handler failed.
 *       </ul>
 *   <li>Every call completes within {@code timeout} plus scheduling slack, whatever the network
 *       does.
 *   <li>Messages MAY be lost, delayed, duplicated or reordered; nothing above relies on ordering
 *       between calls.
 *   <li>Completions MAY run on a transport thread: dependent actions MUST NOT block, and domain
 *       code hops back to its own {@link Scheduler} before touching its state.
 *   <li>Calling a node's own id MAY short-circuit in process; it still obeys this contract.
 *   <li>Messages arrive as sent, except gossip: a transport that carries gossip as its {@code
 *       MembershipCodec} bytes MUST hand it over undecoded, as {@code GossipMessage.Encoded}
 *       (requests and responses alike), so that membership decodes, validates and counts it; one
 *       that carries objects MAY deliver them as they are.
 *   <li>Thread-safe.
 * </ul>
 */
public interface PeerTransport extends AutoCloseable {
  /** Sends {@code request} to {@code target} and completes with its response. */
  CompletionStage<PeerMessage> call(NodeId target, PeerMessage request, Duration timeout);

  /**
   * Installs the handler for requests addressed to this node. MUST be called once, before the node
   * announces itself; requests arriving before then fail with {@link PeerException.Remote}.
   */
  void serve(PeerHandler handler);

  /**
   * Membership reports {@code peer} reachable again (it restarted, or a partition healed). A
   * transport that is backing off its connects to the peer SHOULD allow one connect at once rather
   * than refuse calls until the backoff ends; if that connect fails, the backoff goes on growing,
   * so a flapping peer draws no storm of connects. MUST NOT block. The default does nothing.
   */
  default void peerReachable(NodeId peer) {}

  /** Stops sending and serving; pending calls complete exceptionally. Idempotent. */
  @Override
  void close();

  /** Handles requests from other nodes. */
  @FunctionalInterface
  interface PeerHandler {
    /**
     * Handles {@code request} from {@code from}. MUST NOT block the calling (transport) thread:
     * long work goes to the node's {@link Scheduler} and completes the returned stage from there.
     */
    CompletionStage<PeerMessage> handle(NodeId from, PeerMessage request);
  }
}
