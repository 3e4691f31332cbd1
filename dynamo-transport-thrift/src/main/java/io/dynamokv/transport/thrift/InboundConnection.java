/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift;

import java.util.Optional;
import org.apache.thrift.async.AsyncMethodCallback;

/**
 * The connection a request arrived on, as its handler sees it: a slot for state that lives as long
 * as the connection (an authenticated channel). A {@link ThriftServer} hands each handler a
 * callback that knows its connection ({@link #of}).
 *
 * <p>On the client listener the requests of one connection are handled one at a time (the server
 * reads the next only after answering the last); on the peer listener many are in flight at once,
 * started in order on the connection's selector thread and answered on any thread: the methods are
 * synchronized.
 */
public final class InboundConnection {
  private Object state;

  /** A connection with nothing kept (made by the server, or by tests). */
  public InboundConnection() {}

  /** The connection {@code callback} answers on, if the server bound one to it. */
  public static Optional<InboundConnection> of(AsyncMethodCallback<?> callback) {
    return callback instanceof Bound<?> b ? Optional.of(b.connection()) : Optional.empty();
  }

  /** The state kept for this connection, or null. */
  public synchronized Object state() {
    return state;
  }

  /** Keeps {@code state} for this connection, replacing what was kept. */
  public synchronized void keep(Object state) {
    this.state = state;
  }

  /** A callback that knows its connection. */
  public interface Bound<T> extends AsyncMethodCallback<T> {
    InboundConnection connection();
  }
}
