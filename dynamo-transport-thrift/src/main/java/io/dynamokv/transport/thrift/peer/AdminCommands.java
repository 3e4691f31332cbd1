/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.peer;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.node.DynamoNode;
import io.dynamokv.core.transfer.ClusterChange;
import io.dynamokv.core.transfer.TransferPlan;
import io.dynamokv.transport.thrift.AddressBook;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletionStage;

/**
 * The admin commands a node serves on its peer port, to operators holding the admin token ({@link
 * ThriftPeerTransport#serveAdmin}). Each returns a stage that completes when the command took
 * effect (or failed with a {@link io.dynamokv.core.DynamoException}); none may block.
 */
public interface AdminCommands {
  /** This node joins the cluster through {@code seed}, reached at {@code seedAddress}. */
  CompletionStage<Void> join(NodeId seed, InetSocketAddress seedAddress);

  /**
   * This node asks the cluster for partitions through its configured seeds ({@link
   * DynamoNode#join()}): a STANDBY member, or one that left or was removed, becomes JOINING.
   */
  CompletionStage<Void> join();

  /**
   * What {@code change} would move if committed now ({@link DynamoNode#plan}); changes nothing.
   * Fails with {@link IllegalStateException} when the change cannot be made now, and with {@link
   * UnsupportedOperationException} when this node cannot compute plans.
   */
  CompletionStage<TransferPlan> plan(ClusterChange change);

  /** The id of this node: the one a join or leave (and their plans) is about. */
  NodeId self();

  /** This node leaves the cluster, handing its ranges to the others. */
  CompletionStage<Void> leave();

  /** Removes {@code node} (a dead one) from the ring for good. */
  CompletionStage<Void> remove(NodeId node);

  /**
   * This node starts a full anti-entropy pass now; the stage completes once it has started, or with
   * {@code wait} once it is done.
   */
  CompletionStage<Void> repair(boolean wait);

  /** The commands of {@code node}'s membership; a join teaches {@code addresses} the seed's. */
  static AdminCommands of(DynamoNode node, AddressBook addresses) {
    return new AdminCommands() {
      @Override
      public CompletionStage<Void> join(NodeId seed, InetSocketAddress seedAddress) {
        addresses.put(seed, seedAddress);
        return node.membership().join(seed);
      }

      @Override
      public CompletionStage<Void> join() {
        return node.join();
      }

      @Override
      public CompletionStage<TransferPlan> plan(ClusterChange change) {
        return node.plan(change);
      }

      @Override
      public NodeId self() {
        return node.id();
      }

      @Override
      public CompletionStage<Void> leave() {
        return node.membership().leave();
      }

      @Override
      public CompletionStage<Void> remove(NodeId target) {
        return node.membership().remove(target);
      }

      @Override
      public CompletionStage<Void> repair(boolean wait) {
        return node.repair(wait);
      }
    };
  }
}
