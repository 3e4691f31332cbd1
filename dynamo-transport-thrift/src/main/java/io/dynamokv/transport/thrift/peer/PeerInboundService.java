/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.peer;

import io.dynamokv.core.AuthenticationException;
import io.dynamokv.core.DynamoException;
import io.dynamokv.core.FailureCode;
import io.dynamokv.core.InvalidRequestException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.security.ClusterSecret;
import io.dynamokv.core.security.SecureChannel;
import io.dynamokv.core.spi.PeerMessage;
import io.dynamokv.core.spi.PeerTransport;
import io.dynamokv.core.transfer.ClusterChange;
import io.dynamokv.core.transfer.TransferPlan;
import io.dynamokv.core.wire.Failure;
import io.dynamokv.transport.thrift.AddressBook;
import io.dynamokv.transport.thrift.Channels;
import io.dynamokv.transport.thrift.InboundConnection;
import io.dynamokv.transport.thrift.ThriftCodec;
import io.dynamokv.transport.thrift.gen.AdminReply;
import io.dynamokv.transport.thrift.gen.AdminRequest;
import io.dynamokv.transport.thrift.gen.ChangeKind;
import io.dynamokv.transport.thrift.gen.ChangePlan;
import io.dynamokv.transport.thrift.gen.ChannelHello;
import io.dynamokv.transport.thrift.gen.ChannelWelcome;
import io.dynamokv.transport.thrift.gen.DynamoError;
import io.dynamokv.transport.thrift.gen.ErrorCode;
import io.dynamokv.transport.thrift.gen.JoinCommand;
import io.dynamokv.transport.thrift.gen.PeerEnvelope;
import io.dynamokv.transport.thrift.gen.PeerResponse;
import io.dynamokv.transport.thrift.gen.PeerService;
import io.dynamokv.transport.thrift.gen.PlanCommand;
import io.dynamokv.transport.thrift.gen.Sealed;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.thrift.TBase;
import org.apache.thrift.TDeserializer;
import org.apache.thrift.TException;
import org.apache.thrift.TSerializer;
import org.apache.thrift.async.AsyncMethodCallback;

/**
 * The server side of the peer port: opens each connection's {@link SecureChannel} ({@code hello}),
 * then checks, decodes and hands each sealed request to the peer handler or the admin commands,
 * sealing the reply. Nothing reaches the handler from a connection without a channel, out of
 * sequence or with a wrong MAC: such requests are refused {@code UNAUTHENTICATED} and the channel
 * refuses everything after. Never blocks.
 */
final class PeerInboundService implements PeerService.AsyncIface {
  private final ThriftPeerTransport t;

  PeerInboundService(ThriftPeerTransport t) {
    this.t = t;
  }

  /** What a connection keeps once its channel is open. */
  private record Session(
      SecureChannel channel,
      SecureChannel.Role role,
      String sender,
      TSerializer serializer,
      TDeserializer deserializer) {}

  @Override
  public void hello(ChannelHello hello, AsyncMethodCallback<ChannelWelcome> callback) {
    if (t.closed) {
      callback.onError(new DynamoError(ErrorCode.SHUTTING_DOWN, t.self + " is shutting down"));
      return;
    }
    InboundConnection connection = InboundConnection.of(callback).orElse(null);
    try {
      if (connection == null) {
        throw new IllegalStateException("the server keeps no state for this connection");
      }
      if (connection.state() != null) {
        throw new AuthenticationException("the connection's channel is already open");
      }
      if (hello.getVersion() != SecureChannel.VERSION) {
        throw new InvalidRequestException(
            "handshake version "
                + hello.getVersion()
                + " is not spoken here (this node speaks "
                + SecureChannel.VERSION
                + ")");
      }
      SecureChannel.Role role = SecureChannel.Role.of(hello.getRole());
      if (!t.self.value().equals(hello.getTarget())) {
        throw new AuthenticationException(
            "the handshake is for " + hello.getTarget() + ", this is " + t.self);
      }
      String sender = hello.getSender();
      if (role == SecureChannel.Role.PEER) {
        NodeId.of(Objects.requireNonNullElse(sender, "")); // a node's id, or refused
      } else if (t.admin == null) {
        throw new AuthenticationException("this node serves no admin commands");
      }
      ClusterSecret.DerivedKeys keys = role == SecureChannel.Role.PEER ? t.peerKeys : t.adminKeys;
      int index = keys.indexOf(hello.getKeyId());
      if (index < 0) {
        throw new AuthenticationException(
            "key id "
                + String.format("%08x", hello.getKeyId())
                + " is not one of this node's cluster secrets (another cluster, or a secret"
                + " rotated out; rotation adds the new secret on every node first)");
      }
      byte[] nonce = Channels.nonce();
      SecureChannel channel =
          SecureChannel.server(
              role, keys.key(index), sender, hello.getTarget(), hello.getNonce(), nonce);
      connection.keep(
          new Session(
              channel,
              role,
              sender,
              Channels.serializer(),
              Channels.deserializer(t.maxRequestBytes, 100_000)));
      callback.onComplete(
          new ChannelWelcome(ByteBuffer.wrap(nonce), ByteBuffer.wrap(channel.proof())));
    } catch (RuntimeException e) {
      refused(hello.getSender(), e);
      callback.onError(ThriftCodec.toError(e));
    }
  }

  @Override
  public void exchange(Sealed request, AsyncMethodCallback<Sealed> callback) {
    if (t.closed) {
      callback.onError(new DynamoError(ErrorCode.SHUTTING_DOWN, t.self + " is shutting down"));
      return;
    }
    Session session =
        InboundConnection.of(callback).map(c -> c.state()).orElse(null) instanceof Session s
            ? s
            : null;
    try {
      if (session == null) {
        throw new AuthenticationException("no channel: a connection starts with hello");
      }
      session.channel().openRequest(request.getSequence(), request.getPayload(), request.getMac());
    } catch (RuntimeException e) {
      refused(session == null ? "an unknown caller" : session.sender(), e);
      callback.onError(ThriftCodec.toError(e));
      return;
    }
    if (session.role() == SecureChannel.Role.ADMIN) {
      admin(session, request, callback);
    } else {
      peer(session, request, callback);
    }
  }

  private void peer(Session session, Sealed request, AsyncMethodCallback<Sealed> callback) {
    PeerEnvelope envelope = new PeerEnvelope();
    try {
      session.deserializer().deserialize(envelope, request.getPayload());
    } catch (TException | RuntimeException e) {
      reply(session, request, invalid("undecodable envelope: " + e.getMessage()), callback);
      return;
    }
    if (!t.self.value().equals(envelope.getTarget())) {
      reply(
          session,
          request,
          invalid("addressed to " + envelope.getTarget() + ", this is " + t.self),
          callback);
      return;
    }
    if (!session.sender().equals(envelope.getSender())) {
      reply(
          session,
          request,
          invalid(
              "sent as "
                  + envelope.getSender()
                  + " on the channel of "
                  + session.sender()
                  + ": a node speaks for itself only"),
          callback);
      return;
    }
    PeerTransport.PeerHandler h = t.handler;
    if (h == null) {
      callback.onError(
          new DynamoError(ErrorCode.SHUTTING_DOWN, t.self + " is not serving peers yet"));
      return;
    }
    NodeId from;
    PeerMessage message;
    try {
      from = NodeId.of(envelope.getSender());
      message = PeerFrames.decode(t.protocols, envelope.getRequest());
    } catch (RuntimeException e) {
      reply(session, request, invalid(e.getMessage()), callback);
      return;
    }
    if (request.getSequence() == 1) {
      // The peer just opened an authenticated channel to this node, so it is up: if this node's
      // own connects to it are backing off (it was down), try it again now.
      t.peerReachable(from);
    }
    CompletionStage<PeerMessage> answer;
    try {
      answer = h.handle(from, message);
    } catch (RuntimeException e) {
      callback.onError(ThriftCodec.toError(e));
      return;
    }
    if (answer == null) {
      callback.onError(ThriftCodec.toError(new IllegalStateException("the handler gave null")));
      return;
    }
    answer.whenComplete(
        (response, error) -> {
          if (error != null) {
            callback.onError(ThriftCodec.toError(error));
            return;
          }
          PeerResponse wire;
          try {
            wire = PeerFrames.response(t.protocols, Objects.requireNonNull(response, "response"));
          } catch (RuntimeException e) {
            callback.onError(ThriftCodec.toError(e));
            return;
          }
          reply(session, request, wire, callback);
        });
  }

  private void admin(Session session, Sealed request, AsyncMethodCallback<Sealed> callback) {
    AdminCommands commands = t.admin;
    AdminRequest command = new AdminRequest();
    CompletionStage<AdminReply> done;
    try {
      session.deserializer().deserialize(command, request.getPayload());
      done = run(commands, command);
    } catch (TException | RuntimeException e) {
      reply(session, request, adminReply(new InvalidRequestException(e.getMessage())), callback);
      return;
    }
    ThriftPeerTransport.log.info("admin command on {}: {}", t.self, command);
    done.whenComplete(
        (answer, error) ->
            reply(session, request, error == null ? answer : adminReply(error), callback));
  }

  private static CompletionStage<AdminReply> run(AdminCommands commands, AdminRequest command) {
    if (command.isSetPlan()) {
      return plan(commands, command.getPlan());
    }
    return command(commands, command).thenApply(done -> new AdminReply());
  }

  private static CompletionStage<Void> command(AdminCommands commands, AdminRequest command) {
    if (command.isSetJoin()) {
      JoinCommand join = command.getJoin();
      if (!join.isSetSeedId() && !join.isSetSeedAddress()) {
        return commands.join();
      }
      if (!join.isSetSeedId() || !join.isSetSeedAddress()) {
        throw new InvalidRequestException(
            "a join names both a seed's id and its peer address, or neither (then the node joins"
                + " through its configured seeds)");
      }
      return commands.join(NodeId.of(join.getSeedId()), AddressBook.parse(join.getSeedAddress()));
    }
    if (command.isSetLeave()) {
      return commands.leave();
    }
    if (command.isSetRemove()) {
      return commands.remove(NodeId.of(command.getRemove().getNodeId()));
    }
    if (command.isSetRepair()) {
      return commands.repair(command.getRepair().isWait());
    }
    throw new InvalidRequestException("an admin request names no command this node knows");
  }

  /**
   * A plan's answer: its text, or why the change cannot be made now ({@link
   * IllegalStateException}), or why this node cannot plan ({@link UnsupportedOperationException});
   * other failures are errors like any command's.
   */
  private static CompletionStage<AdminReply> plan(AdminCommands commands, PlanCommand plan) {
    if (plan.getKind() == null) {
      throw new InvalidRequestException("a plan names no change this node knows");
    }
    NodeId node;
    if (plan.isSetNodeId()) {
      node = NodeId.of(plan.getNodeId());
    } else if (plan.getKind() == ChangeKind.REMOVE) {
      throw new InvalidRequestException("the plan of a remove names the node to remove");
    } else {
      node = commands.self();
    }
    ClusterChange change =
        switch (plan.getKind()) {
          case JOIN -> new ClusterChange.Join(node);
          case LEAVE -> new ClusterChange.Leave(node);
          case REMOVE -> new ClusterChange.Remove(node);
        };
    CompletionStage<TransferPlan> planned;
    try {
      planned = commands.plan(change);
    } catch (RuntimeException e) {
      planned = CompletableFuture.failedFuture(e);
    }
    return planned.handle(
        (p, error) -> {
          if (error == null) {
            return new AdminReply().setPlan(ChangePlan.text(p.describe()));
          }
          Throwable e = DynamoException.unwrap(error);
          String why = String.valueOf(e.getMessage());
          if (e instanceof IllegalStateException) {
            return new AdminReply().setPlan(ChangePlan.refused(why));
          }
          if (e instanceof UnsupportedOperationException) {
            return new AdminReply().setPlan(ChangePlan.unavailable(why));
          }
          return adminReply(e);
        });
  }

  private static AdminReply adminReply(Throwable error) {
    Throwable e = DynamoException.unwrap(error);
    AdminReply reply = new AdminReply();
    reply.setCode(ThriftCodec.code(FailureCode.of(e)));
    reply.setMessage(String.valueOf(e.getMessage()));
    return reply;
  }

  private void reply(
      Session session, Sealed request, TBase<?, ?> message, AsyncMethodCallback<Sealed> callback) {
    byte[] payload;
    try {
      synchronized (session) { // the serializer is the connection's
        payload = session.serializer().serialize(message);
      }
    } catch (TException e) {
      callback.onError(ThriftCodec.toError(e));
      return;
    }
    long sequence = request.getSequence();
    callback.onComplete(
        new Sealed(
            sequence,
            ByteBuffer.wrap(payload),
            ByteBuffer.wrap(session.channel().sealReply(sequence, payload))));
  }

  private void refused(String sender, RuntimeException e) {
    t.refusedChannels.incrementAndGet();
    t.refusalLog.warn(
        "{} refused a peer-port request from '{}': {}",
        t.self,
        printable(sender, 64),
        printable(e.getMessage(), 300));
  }

  /**
   * What a caller sent (or an error quoting it), fit for a log line: no control characters, at most
   * {@code max} characters.
   */
  private static String printable(String claimed, int max) {
    if (claimed == null) {
      return "?";
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < claimed.length() && sb.length() < max; i++) {
      char c = claimed.charAt(i);
      sb.append(Character.isISOControl(c) ? '?' : c);
    }
    return claimed.length() > max ? sb + "..." : sb.toString();
  }

  private PeerResponse invalid(String message) {
    return PeerFrames.response(t.protocols, Failure.of(new InvalidRequestException(message)));
  }
}
