/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.peer;

import io.dynamokv.core.InvalidRequestException;
import io.dynamokv.core.spi.PeerMessage;
import io.dynamokv.core.wire.PeerProtocols;
import io.dynamokv.transport.thrift.gen.PeerFrame;
import io.dynamokv.transport.thrift.gen.PeerRequest;
import io.dynamokv.transport.thrift.gen.PeerResponse;
import java.nio.ByteBuffer;

/**
 * A peer message on Thrift: its protocol's id and the bytes of the protocol's codec in dynamo-core
 * ({@link PeerProtocols}), in a {@link PeerFrame}. The transport never looks inside the bytes, so a
 * protocol added to the core needs no change here nor in the IDL. Decoding refuses an empty or
 * unknown union member, an unknown protocol and bytes the protocol's codec refuses with {@link
 * InvalidRequestException}. Stateless.
 */
public final class PeerFrames {
  private PeerFrames() {}

  /** {@code message} as a request. */
  public static PeerRequest request(PeerProtocols protocols, PeerMessage message) {
    return PeerRequest.frame(frame(protocols.encode(message)));
  }

  /** {@code message} as a response. */
  public static PeerResponse response(PeerProtocols protocols, PeerMessage message) {
    return PeerResponse.frame(frame(protocols.encode(message)));
  }

  /** The message a request carries. */
  public static PeerMessage decode(PeerProtocols protocols, PeerRequest request) {
    if (request == null || !request.isSet() || request.getSetField() != PeerRequest._Fields.FRAME) {
      throw unsupported("request");
    }
    return decode(protocols, request.getFrame());
  }

  /** The message a response carries. */
  public static PeerMessage decode(PeerProtocols protocols, PeerResponse response) {
    if (response == null
        || !response.isSet()
        || response.getSetField() != PeerResponse._Fields.FRAME) {
      throw unsupported("response");
    }
    return decode(protocols, response.getFrame());
  }

  private static PeerMessage decode(PeerProtocols protocols, PeerFrame frame) {
    if (frame == null || !frame.isSetMessage()) {
      throw new InvalidRequestException("peer frame without a message");
    }
    return protocols.decode(frame.getProtocol(), frame.getMessage());
  }

  private static PeerFrame frame(PeerProtocols.Frame frame) {
    return new PeerFrame(frame.protocol(), ByteBuffer.wrap(frame.bytes()));
  }

  private static InvalidRequestException unsupported(String what) {
    return new InvalidRequestException(
        "unsupported or empty peer "
            + what
            + " (is the peer running another version? peer messages travel as frames since issue"
            + " 16)");
  }
}
