/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift;

import org.apache.thrift.TException;
import org.apache.thrift.protocol.TCompactProtocol;
import org.apache.thrift.protocol.TList;
import org.apache.thrift.protocol.TMap;
import org.apache.thrift.protocol.TMessage;
import org.apache.thrift.protocol.TProtocolException;
import org.apache.thrift.protocol.TStruct;
import org.apache.thrift.transport.TTransport;

/** The compact protocol with a limit on how deep structs and containers nest. */
public final class NestingLimitedProtocol extends TCompactProtocol {
  /**
   * How deep structs and containers may nest in a request (libthrift's default recursion limit).
   */
  public static final int MAX_NESTING = 64;

  private int depth;
  private Object attachment;

  public NestingLimitedProtocol(
      TTransport transport, long maxStringBytes, long maxContainerElements) {
    super(transport, maxStringBytes, maxContainerElements);
  }

  /**
   * What a server keeps for the connection this protocol reads (a non-blocking server makes one
   * input protocol per connection), or null. Accessed by one request of the connection at a time.
   */
  public synchronized Object attachment() {
    return attachment;
  }

  /** Sets {@link #attachment()}. */
  public synchronized void attach(Object attachment) {
    this.attachment = attachment;
  }

  @Override
  public TMessage readMessageBegin() throws TException {
    // The connection's previous request may have failed halfway.
    depth = 0;
    if (getTransport() instanceof FrameBoundedTransport t) {
      t.startRequest();
    }
    return super.readMessageBegin();
  }

  @Override
  public TStruct readStructBegin() throws TException {
    nest();
    return super.readStructBegin();
  }

  @Override
  public void readStructEnd() throws TException {
    depth--;
    super.readStructEnd();
  }

  /** Also reads set headers. */
  @Override
  public TList readListBegin() throws TException {
    nest();
    return super.readListBegin();
  }

  @Override
  public void readListEnd() throws TException {
    depth--;
  }

  @Override
  public void readSetEnd() throws TException {
    depth--;
  }

  @Override
  public TMap readMapBegin() throws TException {
    nest();
    return super.readMapBegin();
  }

  @Override
  public void readMapEnd() throws TException {
    depth--;
  }

  private void nest() throws TProtocolException {
    if (++depth > MAX_NESTING) {
      throw new TProtocolException(
          TProtocolException.DEPTH_LIMIT,
          "structs and containers nest more than " + MAX_NESTING + " deep");
    }
  }
}
