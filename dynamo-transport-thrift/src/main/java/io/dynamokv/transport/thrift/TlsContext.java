/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * Loaded {@link TlsSettings}: makes TLS sockets out of connected plain ones. Thread-safe.
 *
 * <p>Client sockets check that the server's certificate names the host they connected to (its
 * subject alternative names must hold that DNS name or IP address), as HTTPS does. Server sockets
 * require a client certificate when the settings had a trust store.
 */
public final class TlsContext {
  private final SSLContext context;
  private final String[] protocols;
  private final boolean clientCertificates;

  TlsContext(SSLContext context, List<String> protocols, boolean clientCertificates) {
    this.context = context;
    this.protocols = protocols.toArray(String[]::new);
    this.clientCertificates = clientCertificates;
  }

  /** Whether a server made from these settings requires client certificates (mutual TLS). */
  public boolean requiresClientCertificates() {
    return clientCertificates;
  }

  /**
   * The client side of TLS over {@code connected}, which it closes when closed; the handshake
   * happens on first use or {@link SSLSocket#startHandshake()}.
   *
   * @param host the host the caller meant to reach, which the server's certificate must name
   */
  public SSLSocket client(Socket connected, String host, int port) throws IOException {
    SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(connected, host, port, true);
    SSLParameters p = s.getSSLParameters();
    p.setProtocols(protocols);
    p.setEndpointIdentificationAlgorithm("HTTPS");
    s.setSSLParameters(p);
    return s;
  }

  /**
   * The server side of TLS over an accepted {@code connected} socket, which it closes when closed.
   *
   * @param consumed bytes already read from {@code connected} (the start of the client's hello), or
   *     null
   */
  public SSLSocket server(Socket connected, InputStream consumed) throws IOException {
    SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(connected, consumed, true);
    SSLParameters p = s.getSSLParameters();
    p.setProtocols(protocols);
    p.setNeedClientAuth(clientCertificates);
    s.setSSLParameters(p);
    s.setUseClientMode(false);
    return s;
  }
}
