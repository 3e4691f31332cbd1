/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.wire;

import io.dynamokv.core.DynamoException;
import io.dynamokv.core.FailureCode;
import io.dynamokv.core.InsufficientReplicasException;
import io.dynamokv.core.spi.PeerMessage;
import java.util.Objects;

/**
 * The answer to a request of any protocol that failed for a reason the requester should know
 * precisely (rather than a transport-level remote error): the error's {@link FailureCode}, its
 * message and, for {@link FailureCode#INSUFFICIENT_REPLICAS}, the counts. {@link #of} and {@link
 * #toException} translate from and to the domain's exceptions, so an error keeps its kind across
 * hops.
 *
 * <p>Wire form (protocol {@value #ID}, format 1): format byte, code byte (1 to 10, in the order of
 * {@link FailureCode}), message (UTF-8), answered and required (zigzag varints). A code from a
 * newer node reads as {@link FailureCode#INTERNAL}.
 *
 * @param answered for {@link FailureCode#INSUFFICIENT_REPLICAS}: replicas that acknowledged
 * @param required for {@link FailureCode#INSUFFICIENT_REPLICAS}: the quorum
 */
public record Failure(FailureCode code, String message, int answered, int required)
    implements PeerMessage {
  /** The protocol id of failures. */
  public static final int ID = 1;

  /** Versions of the failure encoding this node reads. */
  public static final WireFormat WIRE_FORMAT = new WireFormat("failure", 1, 1);

  /** The failure protocol: every node speaks it, see {@link PeerProtocols#of}. */
  public static final PeerProtocol<Failure> PROTOCOL = new Codec();

  private static final FailureCode[] CODES = FailureCode.values();

  public Failure {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(message, "message");
  }

  /** The failure describing {@code error} (a failed stage's cause is looked through). */
  public static Failure of(Throwable error) {
    Throwable e = DynamoException.unwrap(error);
    if (e instanceof InsufficientReplicasException ire) {
      return new Failure(
          FailureCode.INSUFFICIENT_REPLICAS, ire.getMessage(), ire.answered(), ire.required());
    }
    return new Failure(FailureCode.of(e), String.valueOf(e.getMessage()), 0, 0);
  }

  /** The exception this failure stands for. */
  public DynamoException toException() {
    return code.exception(message, answered, required);
  }

  private static final class Codec implements PeerProtocol<Failure> {
    @Override
    public int id() {
      return ID;
    }

    @Override
    public WireFormat format() {
      return WIRE_FORMAT;
    }

    @Override
    public Class<Failure> messages() {
      return Failure.class;
    }

    @Override
    public byte[] encode(Failure f) {
      return WireWriter.withFormat(1)
          .u8(f.code().ordinal() + 1)
          .string(f.message())
          .zigzag(f.answered())
          .zigzag(f.required())
          .toByteArray();
    }

    @Override
    public Failure decode(byte[] bytes) {
      WireReader in = new WireReader("failure", bytes);
      in.format(WIRE_FORMAT);
      int code = in.u8("code");
      if (code == 0) {
        throw in.malformed("code 0 is never written");
      }
      // A code above the known ones comes from a newer node: an error this one cannot name.
      FailureCode c = code <= CODES.length ? CODES[code - 1] : FailureCode.INTERNAL;
      Failure f =
          new Failure(c, in.string("message"), in.zigzagInt("answered"), in.zigzagInt("required"));
      in.end();
      return f;
    }
  }
}
