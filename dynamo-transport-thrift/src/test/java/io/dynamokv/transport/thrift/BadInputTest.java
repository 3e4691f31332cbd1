/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.dynamokv.core.FailureCode;
import io.dynamokv.core.coordination.CoordinationCodec;
import io.dynamokv.core.coordination.CoordinationMessage;
import io.dynamokv.core.membership.MembershipCodec;
import io.dynamokv.core.node.DynamoNode;
import io.dynamokv.core.node.StoreDefinition;
import io.dynamokv.core.security.TestSecrets;
import io.dynamokv.core.spi.PeerMessage;
import io.dynamokv.core.version.Actor;
import io.dynamokv.core.version.ContextSigner;
import io.dynamokv.core.version.VectorClock;
import io.dynamokv.core.version.VersionCodec;
import io.dynamokv.core.wire.Failure;
import io.dynamokv.transport.thrift.gen.DynamoService;
import io.dynamokv.transport.thrift.gen.ErrorCode;
import io.dynamokv.transport.thrift.gen.GetRequest;
import io.dynamokv.transport.thrift.gen.PeerFrame;
import io.dynamokv.transport.thrift.gen.PeerRequest;
import io.dynamokv.transport.thrift.gen.PutRequest;
import io.dynamokv.transport.thrift.peer.PeerFrames;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.apache.thrift.TApplicationException;
import org.apache.thrift.TBase;
import org.apache.thrift.TException;
import org.apache.thrift.protocol.TBinaryProtocol;
import org.apache.thrift.protocol.TField;
import org.apache.thrift.protocol.TMessage;
import org.apache.thrift.protocol.TMessageType;
import org.apache.thrift.protocol.TProtocol;
import org.apache.thrift.protocol.TStruct;
import org.apache.thrift.protocol.TType;
import org.apache.thrift.transport.TMemoryBuffer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Malformed, truncated, oversized and hostile input over real sockets. Each case must end in a
 * clear error reply or a closed connection within a bounded time, must not make the server allocate
 * what the input merely claims, and must not disturb a well-behaved client ({@link Canary}) running
 * alongside: after each case the canary has seen no error and the server's threads are all alive.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class BadInputTest {
  static final int MAX_FRAME = 64 * 1024;
  static final int MAX_STRING = 16 * 1024;
  static final int MAX_CONTAINER = 1_000;
  static final int MAX_KEY = 64;
  static final int MAX_VALUE = 4 * 1024;
  static final int MAX_CONTEXT = 1024;

  /** Far below what any hostile claim here asks for, far above what a small request needs. */
  static final long ALLOCATION_BUDGET = 8L * 1024 * 1024;

  private static final Duration PROMPTLY = Duration.ofSeconds(5);
  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

  private ThriftTestNode node;
  private Canary canary;
  private int seqid;
  private PeerChannel peerChannel;

  @BeforeAll
  void startNode() {
    node =
        ThriftTestNode.start(
            new StoreDefinition(
                ThriftTestNode.STORE, 1, 1, 1, MAX_KEY, MAX_VALUE, 25, 1024 * 1024, MAX_CONTEXT),
            b ->
                b.selectorThreads(2)
                    .maxFrameBytes(MAX_FRAME)
                    .maxReadBufferBytes(16L * MAX_FRAME)
                    .maxStringBytes(MAX_STRING)
                    .maxContainerElements(MAX_CONTAINER),
            UnaryOperator.identity());
    assertThat(node.serverThreads()).hasSize(4); // serve loop, acceptor, 2 selectors
  }

  @AfterAll
  void stopNode() {
    if (peerChannel != null) {
      peerChannel.close();
    }
    if (node != null) {
      node.close();
    }
  }

  @BeforeEach
  void startCanary() {
    canary = null;
    canary = Canary.start(node);
  }

  @AfterEach
  void serverIsUnharmed() throws Exception {
    if (canary == null) {
      return; // the server was unusable before the test began: reported by startCanary
    }
    try {
      canary.awaitProgress();
    } finally {
      assertThat(canary.stop()).as("errors of the well-behaved client").isEmpty();
    }
    assertThat(node.serverThreads()).allMatch(Thread::isAlive, "alive");
    try (ThriftTestNode.Client client = node.client()) {
      assertThat(client.get(new GetRequest(ThriftTestNode.STORE, utf8("canary-0"))).getValues())
          .isNotEmpty();
    }
  }

  // ---- garbage ----

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
  void randomBytesThenEndOfStream(int seed) throws IOException {
    Random random = new Random(seed);
    byte[] garbage = new byte[1 + random.nextInt(4096)];
    random.nextBytes(garbage);
    try (RawConnection c = RawConnection.open(node.port())) {
      c.send(garbage);
      c.shutdownOutput();
      assertThat(c.closedWithin(PROMPTLY)).isTrue();
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
  void randomFramePayload(int seed) throws IOException, TException {
    Random random = new Random(seed);
    byte[] payload = new byte[1 + random.nextInt(4096)];
    random.nextBytes(payload);
    if (seed % 2 == 0) {
      // A valid compact-protocol message header, so the garbage reaches the decoder of a method.
      byte[] head = RawConnection.call("put", 1, p -> {});
      System.arraycopy(head, 0, payload, 0, head.length - 1);
    }
    try (RawConnection c = RawConnection.open(node.port())) {
      c.sendFrame(payload);
      RawConnection.Outcome outcome = c.await(PROMPTLY);
      assertThat(outcome.closed() || !outcome.frames().isEmpty())
          .as("an error reply or a closed connection")
          .isTrue();
      for (byte[] reply : outcome.frames()) {
        assertThat(RawConnection.header(reply).type)
            .isIn(TMessageType.EXCEPTION, TMessageType.REPLY);
      }
    }
  }

  /** Found by the fuzz test: libthrift's fast varint decoder read past the end of the frame. */
  @Test
  void frameEndingInsideAVarintClosesTheConnection() throws Exception {
    byte[] message = {(byte) 0x82, 0x21, 0x06, (byte) 0xfa, (byte) 0x8c, (byte) 0x8b, (byte) 0x9e};
    try (RawConnection c = RawConnection.open(node.port())) {
      c.sendFrame(message);
      assertThat(c.closedWithin(PROMPTLY)).isTrue();
    }
  }

  @Test
  void wrongProtocolClosesTheConnection() throws Exception {
    TMemoryBuffer buffer = new TMemoryBuffer(64);
    TProtocol binary = new TBinaryProtocol(buffer);
    binary.writeMessageBegin(new TMessage("get", TMessageType.CALL, 1));
    new DynamoService.get_args(new GetRequest(ThriftTestNode.STORE, utf8("k"))).write(binary);
    binary.writeMessageEnd();
    try (RawConnection c = RawConnection.open(node.port())) {
      c.sendFrame(Arrays.copyOf(buffer.getArray(), buffer.length()));
      assertThat(c.closedWithin(PROMPTLY)).isTrue();
    }
  }

  // ---- frames ----

  @Test
  void truncatedFrameThenClose() throws IOException {
    int before = node.server().openConnections();
    try (RawConnection c = RawConnection.open(node.port())) {
      c.send(RawConnection.header(100));
      c.send(new byte[10]);
    }
    Awaitility.await().atMost(PROMPTLY).until(() -> node.server().openConnections() <= before);
  }

  @Test
  void truncatedFrameKeptOpenDelaysNobodyElse() throws Exception {
    try (RawConnection stalled = RawConnection.open(node.port())) {
      stalled.send(RawConnection.header(100));
      stalled.send(new byte[10]);
      // Everyone else is served while the server waits for the rest of the frame.
      canary.awaitProgress();
      try (ThriftTestNode.Client other = node.client()) {
        other.put(new PutRequest(ThriftTestNode.STORE, utf8("stalled"), utf8("v"), EMPTY));
        assertThat(other.get(new GetRequest(ThriftTestNode.STORE, utf8("stalled"))).getValues())
            .containsExactly(utf8("v"));
      }
      RawConnection.Outcome outcome = stalled.await(Duration.ofMillis(200));
      assertThat(outcome.frames()).isEmpty();
      assertThat(outcome.closed()).isFalse();
      // The rest of the frame arrives late: it is a frame of zeros, not a valid message.
      stalled.send(new byte[90]);
      assertThat(stalled.closedWithin(PROMPTLY)).isTrue();
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0, MAX_FRAME + 1})
  void frameHeaderOverTheLimitClosesWithoutAllocating(int size) throws IOException {
    try (Canary.Pause paused = canary.pause()) {
      long allocated = serverAllocatedBytes();
      try (RawConnection c = RawConnection.open(node.port())) {
        c.send(RawConnection.header(size));
        c.send(new byte[16]);
        assertThat(c.closedWithin(PROMPTLY)).isTrue();
      }
      assertThat(serverAllocatedBytes() - allocated).isLessThan(ALLOCATION_BUDGET);
    }
  }

  /**
   * libthrift writes an ERROR line for every invalid frame size it reads; a client looping on
   * garbage would fill the log. The server refuses such frames itself: counted, and logged at most
   * once per interval.
   */
  @Test
  void invalidFrameSizesAreCountedAndLoggedSparingly() throws IOException {
    ch.qos.logback.classic.Logger root =
        (ch.qos.logback.classic.Logger)
            org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    root.addAppender(logged);
    long before = node.server().invalidFrames();
    try {
      for (int i = 0; i < 40; i++) {
        try (RawConnection c = RawConnection.open(node.port())) {
          // An HTTP request, a negative size, and one just over the limit.
          byte[] header =
              switch (i % 3) {
                case 0 -> "GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII);
                case 1 -> RawConnection.header(-5);
                default -> RawConnection.header(MAX_FRAME + 1);
              };
          c.send(header);
          assertThat(c.closedWithin(PROMPTLY)).isTrue();
        }
      }
    } finally {
      root.detachAppender(logged);
    }
    List<ILoggingEvent> events = List.copyOf(logged.list);
    assertThat(events).noneMatch(e -> e.getLoggerName().startsWith("org.apache.thrift"));
    assertThat(events)
        .filteredOn(e -> e.getFormattedMessage().contains("announced a frame"))
        .hasSizeLessThanOrEqualTo(1);
    assertThat(node.server().invalidFrames() - before).isEqualTo(40);
  }

  @Test
  void requestOverTheFrameLimitClosesTheConnection() throws IOException {
    byte[] big = new byte[MAX_FRAME];
    byte[] message =
        RawConnection.call(
            "put",
            1,
            new DynamoService.put_args(
                new PutRequest(ThriftTestNode.STORE, utf8("k"), ByteBuffer.wrap(big), EMPTY)));
    try (RawConnection c = RawConnection.open(node.port())) {
      c.sendFrame(message);
      assertThat(c.closedWithin(PROMPTLY)).isTrue();
    }
  }

  // ---- messages ----

  @Test
  void unknownMethodIsAnsweredUnknownMethodAndTheConnectionLivesOn() throws Exception {
    try (RawConnection c = RawConnection.open(node.port())) {
      c.sendFrame(RawConnection.call("frobnicate", 77, new DynamoService.cluster_args()));
      byte[] reply = c.readFrame(PROMPTLY);
      TMessage header = RawConnection.header(reply);
      assertThat(header.name).isEqualTo("frobnicate");
      assertThat(header.seqid).isEqualTo(77);
      Optional<TApplicationException> error =
          RawConnection.decodeReply(reply, new DynamoService.cluster_result());
      assertThat(error)
          .hasValueSatisfying(
              e -> {
                assertThat(e.getType()).isEqualTo(TApplicationException.UNKNOWN_METHOD);
                assertThat(e.getMessage()).contains("frobnicate");
              });

      DynamoService.put_result put = new DynamoService.put_result();
      c.sendFrame(
          RawConnection.call(
              "put",
              78,
              new DynamoService.put_args(
                  new PutRequest(ThriftTestNode.STORE, utf8("k"), utf8("v"), EMPTY))));
      assertThat(RawConnection.decodeReply(c.readFrame(PROMPTLY), put)).isEmpty();
      assertThat(put.isSetSuccess()).isTrue();
    }
  }

  /**
   * After a request refused halfway through its frame, the next request on the connection is read
   * from its own frame, not from the rest of the refused one.
   */
  @Test
  void requestAfterAProtocolErrorOnTheSameConnectionIsServed() throws Exception {
    try (RawConnection c = RawConnection.open(node.port())) {
      c.sendFrame(claim(99, TType.LIST, MAX_CONTAINER + 1));
      assertThat(RawConnection.decodeReply(c.readFrame(PROMPTLY), new DynamoService.put_result()))
          .hasValueSatisfying(
              e -> assertThat(e.getType()).isEqualTo(TApplicationException.PROTOCOL_ERROR));
      DynamoService.get_result get = new DynamoService.get_result();
      c.sendFrame(
          RawConnection.call(
              "get",
              2,
              new DynamoService.get_args(new GetRequest(ThriftTestNode.STORE, utf8("canary-0")))));
      assertThat(RawConnection.decodeReply(c.readFrame(PROMPTLY), get)).isEmpty();
      assertThat(get.isSetSuccess()).as("answered: %s", get).isTrue();
    }
  }

  /** A put whose store, key, or an extra field claims far more than the frame holds. */
  static Stream<Arguments> hugeClaims() {
    return Stream.of(
        Arguments.of("store string of 10^9 bytes", claim(1, TType.STRING, 1_000_000_000)),
        Arguments.of("store string of 2^31-1 bytes", claim(1, TType.STRING, Integer.MAX_VALUE)),
        Arguments.of("key binary of 10^9 bytes", claim(2, TType.STRING, 1_000_000_000)),
        Arguments.of("key binary of 90 MiB", claim(2, TType.STRING, 90 << 20)),
        Arguments.of("key binary of 1 MiB", claim(2, TType.STRING, 1 << 20)),
        Arguments.of("key binary of negative length", claim(2, TType.STRING, -1)),
        Arguments.of("value binary of 90 MiB", claim(3, TType.STRING, 90 << 20)),
        Arguments.of("extra list of 10^9 elements", claim(99, TType.LIST, 1_000_000_000)),
        Arguments.of("extra list of negative size", claim(99, TType.LIST, -1)),
        Arguments.of("extra set of 10^9 elements", claim(99, TType.SET, 1_000_000_000)),
        Arguments.of("extra map of 10^9 entries", claim(99, TType.MAP, 1_000_000_000)),
        Arguments.of("extra list of 900 structs", claim(99, TType.LIST, 900)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hugeClaims")
  void hugeClaimIsRefusedWithoutAllocating(String what, byte[] message) throws Exception {
    // The canary's requests allocate on the same server threads: hold it while measuring.
    try (Canary.Pause paused = canary.pause()) {
      refusedWithoutAllocating(message);
    }
  }

  private void refusedWithoutAllocating(byte[] message) throws Exception {
    long allocated = serverAllocatedBytes();
    try (RawConnection c = RawConnection.open(node.port())) {
      c.sendFrame(message);
      RawConnection.Outcome outcome = c.await(PROMPTLY);
      assertThat(outcome.closed() || !outcome.frames().isEmpty())
          .as("an error reply or a closed connection")
          .isTrue();
      if (!outcome.frames().isEmpty()) {
        assertThat(
                RawConnection.decodeReply(outcome.frames().get(0), new DynamoService.put_result()))
            .hasValueSatisfying(
                e -> assertThat(e.getType()).isEqualTo(TApplicationException.PROTOCOL_ERROR));
      }
    }
    assertThat(serverAllocatedBytes() - allocated).isLessThan(ALLOCATION_BUDGET);
  }

  /**
   * A put message whose PutRequest holds valid store and key fields, then field {@code fieldId} of
   * {@code type} with a header claiming {@code size} bytes or elements, followed by a few bytes.
   */
  private static byte[] claim(int fieldId, byte type, int size) {
    return RawConnection.call(
        "put",
        1,
        p -> {
          p.writeStructBegin(new TStruct("put_args"));
          p.writeFieldBegin(new TField("request", TType.STRUCT, (short) 1));
          p.writeStructBegin(new TStruct("PutRequest"));
          if (fieldId > 2) {
            p.writeFieldBegin(new TField("store", TType.STRING, (short) 1));
            p.writeString(ThriftTestNode.STORE);
            p.writeFieldEnd();
            p.writeFieldBegin(new TField("key", TType.STRING, (short) 2));
            p.writeBinary(utf8("k"));
            p.writeFieldEnd();
          }
          p.writeFieldBegin(new TField("claim", type, (short) fieldId));
          switch (type) {
            case TType.STRING -> raw(p, varint(size));
            case TType.LIST, TType.SET -> {
              raw(p, new byte[] {(byte) (0xF0 | 12)}); // struct elements (compact type 12)
              raw(p, varint(size));
            }
            case TType.MAP -> {
              raw(p, varint(size));
              raw(p, new byte[] {(byte) 0x88}); // binary -> binary
            }
            default -> throw new IllegalArgumentException("type " + type);
          }
          raw(p, "a little data".getBytes(StandardCharsets.UTF_8));
        });
  }

  @ParameterizedTest
  @ValueSource(strings = {"struct", "list"})
  void deeplyNestedUnknownFieldIsRefused(String kind) throws Exception {
    int depth = (MAX_FRAME - 200) / 2;
    byte[] message =
        RawConnection.call(
            "put",
            1,
            p -> {
              p.writeStructBegin(new TStruct("put_args"));
              p.writeFieldBegin(new TField("request", TType.STRUCT, (short) 1));
              p.writeStructBegin(new TStruct("PutRequest"));
              p.writeFieldBegin(new TField("nested", TType.STRUCT, (short) 15));
              byte[] nesting = new byte[depth];
              // A struct whose field 1 is a struct ... / a list holding one list ...
              Arrays.fill(nesting, kind.equals("struct") ? (byte) 0x1C : (byte) 0x19);
              raw(p, nesting);
              raw(p, new byte[depth]); // the matching stops (or empty lists)
            });
    assertThat(applicationError(message, new DynamoService.put_result()))
        .hasValueSatisfying(
            e -> {
              assertThat(e.getType()).isEqualTo(TApplicationException.PROTOCOL_ERROR);
              assertThat(e.getMessage()).contains("nest");
            });
  }

  // ---- requests that decode but are invalid ----

  @ParameterizedTest
  @ValueSource(strings = {"01430599", "0153", "02", "01", "0143010161000101", "ff"})
  void putWithUndecodableContextIsInvalidContext(String contextHex) throws Exception {
    byte[] context = java.util.HexFormat.of().parseHex(contextHex);
    assertThat(put(utf8("k"), utf8("v"), ByteBuffer.wrap(context)))
        .isEqualTo(ErrorCode.INVALID_CONTEXT);
  }

  /** A context the cluster did not sign for this store and key is refused, over a real socket. */
  @Test
  void putWithAContextOfAnotherKeyOrClusterIsInvalidContext() throws Exception {
    VectorClock clock = VectorClock.of(java.util.Map.of(Actor.of("solo", 1), 1L));
    ContextSigner ours = new ContextSigner(TestSecrets.CLUSTER);
    ContextSigner theirs = new ContextSigner(TestSecrets.of("the secret of some other cluster"));
    assertThat(
            put(
                utf8("k"),
                utf8("v"),
                ByteBuffer.wrap(ours.sign(ThriftTestNode.STORE, "k".getBytes(), clock))))
        .isNull();
    assertThat(
            put(
                utf8("k"),
                utf8("v"),
                ByteBuffer.wrap(ours.sign(ThriftTestNode.STORE, "j".getBytes(), clock))))
        .isEqualTo(ErrorCode.INVALID_CONTEXT);
    assertThat(
            put(
                utf8("k"),
                utf8("v"),
                ByteBuffer.wrap(theirs.sign(ThriftTestNode.STORE, "k".getBytes(), clock))))
        .isEqualTo(ErrorCode.INVALID_CONTEXT);
    assertThat(put(utf8("k"), utf8("v"), ByteBuffer.wrap(VersionCodec.encode(clock))))
        .isEqualTo(ErrorCode.INVALID_CONTEXT);
  }

  @Test
  void keyValueAndContextOverTheStoreLimitsAreLimitExceeded() throws Exception {
    assertThat(put(ByteBuffer.allocate(MAX_KEY + 1), utf8("v"), EMPTY))
        .isEqualTo(ErrorCode.LIMIT_EXCEEDED);
    assertThat(put(utf8("k"), ByteBuffer.allocate(MAX_VALUE + 1), EMPTY))
        .isEqualTo(ErrorCode.LIMIT_EXCEEDED);
    assertThat(put(utf8("k"), utf8("v"), ByteBuffer.allocate(MAX_CONTEXT + 1)))
        .isEqualTo(ErrorCode.LIMIT_EXCEEDED);
    assertThat(put(EMPTY, utf8("v"), EMPTY)).isEqualTo(ErrorCode.INVALID_REQUEST);
    assertThat(put(ByteBuffer.allocate(MAX_KEY), ByteBuffer.allocate(MAX_VALUE), EMPTY)).isNull();
  }

  @Test
  void missingRequiredFieldIsAProtocolError() throws Exception {
    byte[] noValue =
        RawConnection.call(
            "put",
            1,
            p -> {
              p.writeStructBegin(new TStruct("put_args"));
              p.writeFieldBegin(new TField("request", TType.STRUCT, (short) 1));
              p.writeStructBegin(new TStruct("PutRequest"));
              p.writeFieldBegin(new TField("store", TType.STRING, (short) 1));
              p.writeString(ThriftTestNode.STORE);
              p.writeFieldEnd();
              p.writeFieldBegin(new TField("key", TType.STRING, (short) 2));
              p.writeBinary(utf8("k"));
              p.writeFieldEnd();
              p.writeFieldBegin(new TField("context", TType.STRING, (short) 4));
              p.writeBinary(EMPTY);
              p.writeFieldEnd();
              p.writeFieldStop();
              p.writeStructEnd();
              p.writeFieldEnd();
              p.writeFieldStop();
              p.writeStructEnd();
            });
    assertThat(applicationError(noValue, new DynamoService.put_result()))
        .hasValueSatisfying(
            e -> {
              assertThat(e.getType()).isEqualTo(TApplicationException.PROTOCOL_ERROR);
              assertThat(e.getMessage()).contains("value");
            });
  }

  @Test
  void missingRequiredPrimitiveOfAPeerMessageIsAnInvalidRequest() throws Exception {
    PeerFrame frame =
        new PeerFrame(
            CoordinationCodec.PROTOCOL.id(),
            ByteBuffer.wrap(
                CoordinationCodec.PROTOCOL.encode(
                    new CoordinationMessage.ReplicaRead(ThriftTestNode.STORE, new byte[] {'k'}))));
    byte[] withoutProtocol =
        PeerChannel.written(
            p -> {
              RawConnection.openEnvelopeFrame(p, "peer", "solo");
              // PeerFrame without field 1 (protocol): written by hand from a full one.
              TMemoryBuffer full = new TMemoryBuffer(64);
              frame.write(new org.apache.thrift.protocol.TCompactProtocol(full));
              byte[] bytes = Arrays.copyOf(full.getArray(), full.length());
              // Field 1 (i32 3): header 0x15, zigzag varint 0x06; the next field's delta grows.
              assertThat(bytes[0]).isEqualTo((byte) 0x15);
              byte[] rest = Arrays.copyOfRange(bytes, 2, bytes.length);
              rest[0] = (byte) (rest[0] + 0x10);
              raw(p, rest);
              p.writeFieldEnd();
              p.writeFieldStop();
              p.writeStructEnd();
              p.writeFieldEnd();
              p.writeFieldStop();
              p.writeStructEnd();
            });
    Failure failure = failureOf(peer().send(withoutProtocol));
    assertThat(failure.code()).isEqualTo(FailureCode.INVALID_REQUEST);
    assertThat(failure.message()).contains("protocol");
  }

  @Test
  void missingRequestStructIsAnInvalidRequest() throws Exception {
    for (String method : List.of("get", "put", "erase")) {
      byte[] empty =
          RawConnection.call(
              method,
              1,
              p -> {
                p.writeStructBegin(new TStruct(method + "_args"));
                p.writeFieldStop();
                p.writeStructEnd();
              });
      DynamoService.put_result result = new DynamoService.put_result();
      assertThat(applicationError(empty, result)).as(method).isEmpty();
      assertThat(result.getError().getCode()).as(method).isEqualTo(ErrorCode.INVALID_REQUEST);
    }
  }

  @Test
  void malformedPeerMessagesAreRefusedPrecisely() throws Exception {
    // Siblings that do not decode: the replica answers a failure, it does not crash.
    PeerChannel.Reply result =
        exchange(
            coordination(
                new CoordinationMessage.ReplicaWrite(
                    ThriftTestNode.STORE, new byte[] {'k'}, bytes("not a sibling set"))));
    PeerMessage reply = PeerFrames.decode(DynamoNode.PROTOCOLS, result.getSuccess());
    assertThat(reply).isInstanceOf(Failure.class);
    assertThat(((Failure) reply).code()).isEqualTo(FailureCode.INVALID_CONTEXT);

    result = exchange(frame(MembershipCodec.PROTOCOL.id(), bytes("not gossip")));
    assertThat(failureOf(result).code()).isEqualTo(FailureCode.INVALID_REQUEST);

    // A protocol this node does not speak (from a newer peer), and a format it does not read.
    result = exchange(frame(99, bytes("from the future")));
    assertThat(failureOf(result).code()).isEqualTo(FailureCode.INVALID_REQUEST);
    assertThat(failureOf(result).message()).contains("unsupported peer protocol 99");
    byte[] newer =
        CoordinationCodec.PROTOCOL.encode(
            new CoordinationMessage.ReplicaRead(ThriftTestNode.STORE, new byte[] {'k'}));
    newer[0] = (byte) 0xEE;
    result = exchange(frame(CoordinationCodec.PROTOCOL.id(), newer));
    assertThat(failureOf(result).code()).isEqualTo(FailureCode.INVALID_REQUEST);
    assertThat(failureOf(result).message()).contains("format 238").contains("upgrade");

    // A member this node does not know (from a newer peer) decodes as an unset union.
    result =
        exchange(
            p -> {
              p.writeStructBegin(new TStruct("PeerRequest"));
              p.writeFieldBegin(new TField("fromTheFuture", TType.STRUCT, (short) 9));
              p.writeStructBegin(new TStruct("FromTheFuture"));
              p.writeFieldStop();
              p.writeStructEnd();
              p.writeFieldEnd();
              p.writeFieldStop();
              p.writeStructEnd();
            });
    assertThat(failureOf(result).code()).isEqualTo(FailureCode.INVALID_REQUEST);
    assertThat(failureOf(result).message()).contains("unsupported");
  }

  @Test
  void emptyPeerRequestUnionIsAnInvalidRequest() throws Exception {
    Failure failure =
        failureOf(
            exchange(
                p -> {
                  p.writeStructBegin(new TStruct("PeerRequest"));
                  p.writeFieldStop();
                  p.writeStructEnd();
                }));
    assertThat(failure.code()).isEqualTo(FailureCode.INVALID_REQUEST);
    assertThat(failure.message()).contains("undecodable envelope");
  }

  // ---- helpers ----

  private PeerChannel.Reply exchange(PeerRequest request) throws Exception {
    return exchange(request::write);
  }

  private static PeerRequest coordination(CoordinationMessage message) {
    return frame(CoordinationCodec.PROTOCOL.id(), CoordinationCodec.PROTOCOL.encode(message));
  }

  private static PeerRequest frame(int protocol, byte[] message) {
    return PeerRequest.frame(new PeerFrame(protocol, ByteBuffer.wrap(message)));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Sends, on an authenticated channel, an envelope whose PeerRequest union {@code union} writes.
   */
  private PeerChannel.Reply exchange(RawConnection.ProtocolWriter union) throws Exception {
    return peer()
        .send(
            PeerChannel.written(
                p -> {
                  p.writeStructBegin(new TStruct("PeerEnvelope"));
                  p.writeFieldBegin(new TField("sender", TType.STRING, (short) 1));
                  p.writeString("peer");
                  p.writeFieldEnd();
                  p.writeFieldBegin(new TField("target", TType.STRING, (short) 2));
                  p.writeString("solo");
                  p.writeFieldEnd();
                  p.writeFieldBegin(new TField("request", TType.STRUCT, (short) 3));
                  union.write(p);
                  p.writeFieldEnd();
                  p.writeFieldStop();
                  p.writeStructEnd();
                }));
  }

  /** A channel to the node's peer port as node "peer", opened once per test. */
  private PeerChannel peer() throws Exception {
    if (peerChannel == null) {
      peerChannel = PeerChannel.open(node.peerPort(), TestSecrets.CLUSTER, "peer", "solo");
    }
    return peerChannel;
  }

  /** The refusal the node answered, as a failure reply or as an error. */
  private static Failure failureOf(PeerChannel.Reply reply) {
    if (reply.getError() != null) {
      return Failure.of(ThriftCodec.toException(reply.getError()));
    }
    PeerMessage message = PeerFrames.decode(DynamoNode.PROTOCOLS, reply.getSuccess());
    assertThat(message).isInstanceOf(Failure.class);
    return (Failure) message;
  }

  /** Sends a put; returns the error code of the reply, null for success. */
  private ErrorCode put(ByteBuffer key, ByteBuffer value, ByteBuffer context) throws Exception {
    DynamoService.put_result result = new DynamoService.put_result();
    byte[] message =
        RawConnection.call(
            "put",
            ++seqid,
            new DynamoService.put_args(new PutRequest(ThriftTestNode.STORE, key, value, context)));
    assertThat(applicationError(message, result)).isEmpty();
    return result.isSetError() ? result.getError().getCode() : null;
  }

  /** Sends {@code message} on a new connection and decodes the reply into {@code result}. */
  private Optional<TApplicationException> applicationError(byte[] message, TBase<?, ?> result)
      throws IOException, TException {
    try (RawConnection c = RawConnection.open(node.port())) {
      c.sendFrame(message);
      byte[] reply = c.readFrame(PROMPTLY);
      assertThat(RawConnection.header(reply).seqid).isEqualTo(RawConnection.header(message).seqid);
      return RawConnection.decodeReply(reply, result);
    }
  }

  /** Bytes the server's threads have allocated so far (HotSpot's per-thread counters). */
  private long serverAllocatedBytes() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long[] ids = node.serverThreads().stream().mapToLong(Thread::getId).toArray();
    return Arrays.stream(threads.getThreadAllocatedBytes(ids)).sum();
  }

  private static void raw(TProtocol p, byte[] bytes) throws TException {
    p.getTransport().write(bytes);
  }

  private static byte[] varint(int value) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    int v = value;
    while ((v & ~0x7F) != 0) {
      out.write((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    out.write(v);
    return out.toByteArray();
  }

  private static ByteBuffer utf8(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }
}
