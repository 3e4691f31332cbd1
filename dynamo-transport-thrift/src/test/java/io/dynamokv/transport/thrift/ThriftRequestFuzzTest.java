/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.dynamokv.core.DynamoException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.coordination.CoordinationMessage;
import io.dynamokv.core.membership.GossipMessage;
import io.dynamokv.core.membership.MembershipCodec;
import io.dynamokv.core.node.DynamoNode;
import io.dynamokv.core.node.StoreDefinition;
import io.dynamokv.core.security.TestSecrets;
import io.dynamokv.core.spi.PeerMessage;
import io.dynamokv.core.version.ContextSigner;
import io.dynamokv.core.version.VersionCodec;
import io.dynamokv.transport.thrift.gen.DynamoError;
import io.dynamokv.transport.thrift.gen.DynamoService;
import io.dynamokv.transport.thrift.gen.ErrorCode;
import io.dynamokv.transport.thrift.gen.PeerEnvelope;
import io.dynamokv.transport.thrift.gen.PeerService;
import io.dynamokv.transport.thrift.gen.Sealed;
import io.dynamokv.transport.thrift.peer.PeerFrames;
import io.dynamokv.transport.thrift.server.NodeService;
import io.dynamokv.transport.thrift.server.ThriftServer;
import io.dynamokv.transport.thrift.server.ThriftServerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.apache.thrift.AsyncProcessFunction;
import org.apache.thrift.TBase;
import org.apache.thrift.TException;
import org.apache.thrift.async.AsyncMethodCallback;
import org.apache.thrift.protocol.TMessage;
import org.apache.thrift.protocol.TProtocol;
import org.apache.thrift.protocol.TProtocolFactory;
import org.apache.thrift.protocol.TProtocolUtil;
import org.apache.thrift.protocol.TType;
import org.apache.thrift.transport.TMemoryInputTransport;
import org.apache.thrift.transport.TTransportFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes what the server does with one request frame: the same transport and protocol stack and
 * limits as {@link ThriftServer}, the generated argument decoders of every method of both services,
 * then the data-path handlers of a real node ({@link NodeService}) and the decoding of a peer
 * message's bytes ({@link PeerFrames} and the core's codecs: coordination, {@link VersionCodec},
 * gossip).
 *
 * <p>A request may fail only as {@link TException}, {@link DynamoException}, or {@link
 * IllegalArgumentException} with a message; a handler may answer only a result or a {@link
 * DynamoError} other than {@link ErrorCode#INTERNAL} (which means an unexpected exception); and
 * decoding may allocate only in proportion to the frame. Anything else (an OutOfMemoryError, a
 * NullPointerException, an IndexOutOfBoundsException, a stack overflow, a hang) is a finding.
 *
 * <p>Without {@code JAZZER_FUZZ} this runs the saved inputs under {@code
 * src/test/resources/io/dynamokv/transport/thrift/ThriftRequestFuzzTestInputs/decodeRequest/}
 * (frame payloads, without the 4-byte length). See FUZZING.md to fuzz for longer.
 */
class ThriftRequestFuzzTest {
  /** The server's defaults: what a production node decodes with. */
  private static final ThriftServerConfig CONFIG = ThriftServerConfig.loopback();

  private static final TTransportFactory TRANSPORTS = ThriftServer.transportFactory(CONFIG);
  private static final TProtocolFactory PROTOCOLS = ThriftServer.protocolFactory(CONFIG);

  /** What decoding and answering one request may allocate beyond its size. */
  private static final long ALLOCATION_SLACK = 4L * 1024 * 1024;

  /** And per byte of the frame: decoded copies, strings, boxes, the node's write path. */
  private static final long ALLOCATION_PER_BYTE = 64;

  /** How the test node verifies contexts (ThriftTestNode runs with the test cluster's secret). */
  private static final ContextSigner CONTEXTS = new ContextSigner(TestSecrets.CLUSTER);

  private static final String INPUTS =
      "/io/dynamokv/transport/thrift/ThriftRequestFuzzTestInputs/decodeRequest";

  private static ThriftTestNode node;
  private static DynamoService.AsyncIface service;
  private static Map<String, AsyncProcessFunction<?, ?, ?>> functions;

  @BeforeAll
  static void startNode() throws Exception {
    node =
        ThriftTestNode.start(
            StoreDefinition.of(ThriftTestNode.STORE, 1, 1, 1),
            UnaryOperator.identity(),
            s -> {
              service = s;
              return s;
            });
    functions = new HashMap<>();
    functions.putAll(new DynamoService.AsyncProcessor<>(service).getProcessMapView());
    functions.putAll(
        new PeerService.AsyncProcessor<>(node.peers().peerService()).getProcessMapView());
    // Load and initialise what decoding touches, so that the allocation budget of the first input
    // does not pay for class initialisation.
    for (Path input : savedInputs()) {
      check(Files.readAllBytes(input));
    }
  }

  @AfterAll
  static void stopNode() {
    if (node != null) {
      node.close();
    }
  }

  @FuzzTest(maxDuration = "5m")
  void decodeRequest(byte[] payload) throws Exception {
    check(payload);
  }

  private static void check(byte[] payload) throws Exception {
    long budget = ALLOCATION_SLACK + ALLOCATION_PER_BYTE * payload.length;
    long allocated = allocatedHandling(payload);
    if (allocated > budget) {
      // The first input to reach a path loads its classes (and, while fuzzing, Jazzer instruments
      // them on this thread): measure a second time.
      allocated = allocatedHandling(payload);
      if (allocated > budget) {
        throw new AssertionError(
            "decoding a frame of " + payload.length + " bytes allocated " + allocated + " bytes");
      }
    }
  }

  /** Handles {@code payload}; returns the bytes this thread allocated meanwhile. */
  private static long allocatedHandling(byte[] payload) throws Exception {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();
    try {
      handle(payload);
    } catch (TException | DynamoException expected) {
      // refused: an error reply or a closed connection
    } catch (IllegalArgumentException e) {
      if (e.getMessage() == null || e.getMessage().isBlank()) {
        throw new AssertionError("IllegalArgumentException without a message", e);
      }
    }
    return threads.getCurrentThreadAllocatedBytes() - before;
  }

  /** What the server does with one frame, up to handing the request to the node. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void handle(byte[] payload) throws Exception {
    // As the server's frame buffer does: reset, which leaves the message size limit at its maximum.
    TMemoryInputTransport frame = new TMemoryInputTransport();
    frame.reset(RawConnection.framed(payload));
    TProtocol in = PROTOCOLS.getProtocol(TRANSPORTS.getTransport(frame));
    TMessage message = in.readMessageBegin();
    AsyncProcessFunction fn = functions.get(message.name);
    if (fn == null) {
      // TBaseAsyncProcessor skips the arguments and answers UNKNOWN_METHOD.
      TProtocolUtil.skip(in, TType.STRUCT);
      in.readMessageEnd();
      return;
    }
    TBase args = fn.getEmptyArgsInstance();
    args.read(in);
    in.readMessageEnd();
    switch (message.name) {
      case "get", "put", "erase", "cluster", "status" -> answer(fn, args);
      case "exchange" -> decodePeerMessage(((PeerService.exchange_args) args).getRequest());
      default -> {} // a handshake opens a channel: decoded only
    }
  }

  /**
   * Runs a data-path handler of the node's {@link NodeService} as the server does; throws the error
   * it answers.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void answer(AsyncProcessFunction fn, TBase args) throws Exception {
    CompletableFuture<Object> outcome = new CompletableFuture<>();
    try {
      fn.start(
          service,
          args,
          new AsyncMethodCallback<Object>() {
            @Override
            public void onComplete(Object response) {
              outcome.complete(response);
            }

            @Override
            public void onError(Exception e) {
              outcome.completeExceptionally(e);
            }
          });
    } catch (RuntimeException e) {
      outcome.completeExceptionally(e); // the server answers it as ThriftCodec.toError(e)
    }
    try {
      outcome.get(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable cause = e.getCause();
      DynamoError error = cause instanceof DynamoError d ? d : ThriftCodec.toError(cause);
      if (error.getCode() == ErrorCode.INTERNAL) {
        throw new AssertionError("a request failed as an internal error: " + error, cause);
      }
      throw error;
    }
  }

  /**
   * Decodes a sealed peer message and its binary fields, as a node would once the channel accepted
   * its sequence and MAC (fuzzing goes past the MAC, which no fuzzer could forge).
   */
  private static void decodePeerMessage(Sealed sealed) throws TException {
    if (sealed == null || sealed.getPayload() == null) {
      return;
    }
    PeerEnvelope envelope = new PeerEnvelope();
    Channels.deserializer(CONFIG.maxFrameBytes(), CONFIG.maxContainerElements())
        .deserialize(envelope, sealed.getPayload());
    NodeId.of(envelope.getSender());
    NodeId.of(envelope.getTarget());
    PeerMessage message = PeerFrames.decode(DynamoNode.PROTOCOLS, envelope.getRequest());
    if (message instanceof CoordinationMessage.ReplicaWrite w) {
      VersionCodec.decodeSiblings(w.siblings());
    } else if (message instanceof CoordinationMessage.ForwardedWrite w) {
      CONTEXTS.verify(w.store(), w.key(), w.context());
    } else if (message instanceof GossipMessage.Encoded g) {
      MembershipCodec.decodeMessage(g.bytes());
    }
  }

  // ---- the saved inputs stay meaningful ----

  /** The inputs named valid-* are requests the node accepts and answers successfully. */
  @Test
  void validSavedInputsAreAnsweredSuccessfully() throws Exception {
    List<Path> valid =
        savedInputs().stream()
            .filter(p -> p.getFileName().toString().startsWith("valid-"))
            .toList();
    assertThat(valid).hasSizeGreaterThanOrEqualTo(5);
    for (Path input : valid) {
      byte[] payload = Files.readAllBytes(input);
      handle(payload); // throws if the request is refused
    }
  }

  private static List<Path> savedInputs() throws IOException, URISyntaxException {
    try (InputStream marker = ThriftRequestFuzzTest.class.getResourceAsStream(INPUTS)) {
      assertThat(marker).as("saved inputs on the class path").isNotNull();
    }
    Path dir = Path.of(ThriftRequestFuzzTest.class.getResource(INPUTS).toURI());
    try (Stream<Path> files = Files.list(dir)) {
      return files.sorted().toList();
    }
  }
}
