/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.metrics;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a node's metrics, health and console over HTTP with the JDK's server:
 *
 * <ul>
 *   <li>{@code GET /metrics}: the registry in the Prometheus text format;
 *   <li>{@code GET /health}: {@code 200 {"status":"ok","node":"<id>"}} while {@code serving} says
 *       so, {@code 503 {"status":"unavailable",...}} otherwise;
 *   <li>{@code GET /}: the console page, and its {@code /console.js} and {@code /console.css}, from
 *       the jar;
 *   <li>{@code GET /status.json}: what the console shows ({@link
 *       io.dynamokv.server.console.StatusJson}).
 * </ul>
 *
 * Everything is read-only. Other paths answer 404, other methods 405, a request with a body 413.
 * The console's paths answer 403 to a {@code Host} header that names neither {@code localhost} nor
 * an IP address: a page served from another site cannot reach them by DNS rebinding.
 *
 * <p>Limits: {@value #THREADS} daemon threads serve requests; unless set otherwise on the command
 * line, the JDK server takes at most {@value #MAX_CONNECTIONS} connections and drops a request
 * whose headers take longer than {@value #MAX_REQUEST_SECONDS} s to arrive or whose answer takes
 * longer than that to send ({@code jdk.httpserver.maxConnections}, {@code
 * sun.net.httpserver.maxReqTime} and {@code maxRspTime}, read when the JDK server first starts in
 * the JVM).
 */
public final class MetricsHttpServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MetricsHttpServer.class);

  static final int THREADS = 4;
  static final int MAX_CONNECTIONS = 64;
  static final int MAX_REQUEST_SECONDS = 10;

  static {
    System.getProperties().putIfAbsent("jdk.httpserver.maxConnections", "" + MAX_CONNECTIONS);
    System.getProperties().putIfAbsent("sun.net.httpserver.maxReqTime", "" + MAX_REQUEST_SECONDS);
    System.getProperties().putIfAbsent("sun.net.httpserver.maxRspTime", "" + MAX_REQUEST_SECONDS);
  }

  private final HttpServer server;
  private final ExecutorService executor;

  private MetricsHttpServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Binds {@code host:port} (port 0: any free port) and starts serving.
   *
   * @param nodeId named in {@code /health} answers
   * @param serving whether the node serves requests; called on every {@code /health}
   * @throws IOException when the address cannot be bound
   */
  public static MetricsHttpServer start(
      String host,
      int port,
      PrometheusMeterRegistry registry,
      String nodeId,
      BooleanSupplier serving,
      Supplier<String> statusJson)
      throws IOException {
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(serving, "serving");
    Objects.requireNonNull(statusJson, "statusJson");
    HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 0);
    ExecutorService executor =
        Executors.newFixedThreadPool(
            THREADS,
            r -> {
              Thread t = new Thread(r, "dynamo-metrics-http");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext(
        "/",
        exchange -> {
          try (exchange) {
            handle(exchange, registry, nodeId, serving, statusJson);
          } catch (RuntimeException | IOException e) {
            log.warn("metrics request {} failed: {}", exchange.getRequestURI(), e.toString());
          }
        });
    server.start();
    return new MetricsHttpServer(server, executor);
  }

  /** The console's files, by path: name in the jar and content type. */
  private static final Map<String, String[]> ASSETS =
      Map.of(
          "/", new String[] {"index.html", "text/html; charset=utf-8"},
          "/console.js", new String[] {"console.js", "text/javascript; charset=utf-8"},
          "/console.css", new String[] {"console.css", "text/css; charset=utf-8"});

  private static void handle(
      HttpExchange exchange,
      PrometheusMeterRegistry registry,
      String nodeId,
      BooleanSupplier serving,
      Supplier<String> statusJson)
      throws IOException {
    String path = exchange.getRequestURI().getPath();
    String method = exchange.getRequestMethod();
    String length = exchange.getRequestHeaders().getFirst("Content-Length");
    boolean known =
        path.equals("/metrics")
            || path.equals("/health")
            || path.equals("/status.json")
            || ASSETS.containsKey(path);
    if (!known) {
      send(
          exchange,
          404,
          "text/plain; charset=utf-8",
          "not found: try /, /status.json, /metrics or /health\n");
    } else if (!method.equals("GET") && !method.equals("HEAD")) {
      exchange.getResponseHeaders().add("Allow", "GET, HEAD");
      send(exchange, 405, "text/plain; charset=utf-8", "method not allowed\n");
    } else if (exchange.getRequestHeaders().containsKey("Transfer-Encoding")
        || (length != null && !length.equals("0"))) {
      send(exchange, 413, "text/plain; charset=utf-8", "requests here carry no body\n");
    } else if ((path.equals("/status.json") || ASSETS.containsKey(path))
        && !trustedHost(exchange.getRequestHeaders().getFirst("Host"))) {
      send(
          exchange,
          403,
          "text/plain; charset=utf-8",
          "open the console by IP address or localhost\n");
    } else if (path.equals("/metrics")) {
      send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape());
    } else if (path.equals("/status.json")) {
      exchange.getResponseHeaders().set("Cache-Control", "no-store");
      send(exchange, 200, "application/json", statusJson.get());
    } else if (ASSETS.containsKey(path)) {
      String[] asset = ASSETS.get(path);
      send(exchange, 200, asset[1], asset(asset[0]));
    } else {
      boolean ok = serving.getAsBoolean();
      String body =
          "{\"status\":\"" + (ok ? "ok" : "unavailable") + "\",\"node\":\"" + nodeId + "\"}\n";
      send(exchange, ok ? 200 : 503, "application/json", body);
    }
  }

  /**
   * Whether a request's {@code Host} names {@code localhost} or an IP address (with any port): a
   * DNS name could be an attacker's, rebound to this address so that its page reads ours.
   */
  static boolean trustedHost(String host) {
    if (host == null) {
      return true; // HTTP/1.0: no browser sends a request without one
    }
    String h = host.trim().toLowerCase(java.util.Locale.ROOT);
    if (h.startsWith("[")) {
      return h.indexOf(']') > 0; // an IPv6 literal
    }
    int colon = h.lastIndexOf(':');
    String name = colon >= 0 ? h.substring(0, colon) : h;
    return name.equals("localhost") || name.matches("\\d{1,3}(\\.\\d{1,3}){3}");
  }

  private static String asset(String name) throws IOException {
    try (InputStream in = MetricsHttpServer.class.getResourceAsStream("/console/" + name)) {
      if (in == null) {
        throw new IOException("console asset " + name + " is missing from the jar");
      }
      return new String(in.readAllBytes(), UTF_8);
    }
  }

  private static void send(HttpExchange exchange, int status, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    exchange.getResponseHeaders().set("X-Frame-Options", "DENY");
    exchange
        .getResponseHeaders()
        .set(
            "Content-Security-Policy",
            "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:");
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  /** The bound address (with the actual port when 0 was asked for). */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  /** Stops serving at once. Idempotent. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
