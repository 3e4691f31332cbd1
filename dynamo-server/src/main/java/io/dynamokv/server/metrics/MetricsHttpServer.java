/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.metrics;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a node's metrics and health over HTTP with the JDK's server:
 *
 * <ul>
 *   <li>{@code GET /metrics}: the registry in the Prometheus text format;
 *   <li>{@code GET /health}: {@code 200 {"status":"ok","node":"<id>"}} while {@code serving} says
 *       so, {@code 503 {"status":"unavailable",...}} otherwise.
 * </ul>
 *
 * Other paths answer 404, other methods 405. Two daemon threads serve requests.
 */
public final class MetricsHttpServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MetricsHttpServer.class);

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
      BooleanSupplier serving)
      throws IOException {
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(serving, "serving");
    HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 0);
    ExecutorService executor =
        Executors.newFixedThreadPool(
            2,
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
            handle(exchange, registry, nodeId, serving);
          } catch (RuntimeException | IOException e) {
            log.warn("metrics request {} failed: {}", exchange.getRequestURI(), e.toString());
          }
        });
    server.start();
    return new MetricsHttpServer(server, executor);
  }

  private static void handle(
      HttpExchange exchange,
      PrometheusMeterRegistry registry,
      String nodeId,
      BooleanSupplier serving)
      throws IOException {
    String path = exchange.getRequestURI().getPath();
    String method = exchange.getRequestMethod();
    if (!path.equals("/metrics") && !path.equals("/health")) {
      send(exchange, 404, "text/plain; charset=utf-8", "not found: try /metrics or /health\n");
    } else if (!method.equals("GET") && !method.equals("HEAD")) {
      exchange.getResponseHeaders().add("Allow", "GET, HEAD");
      send(exchange, 405, "text/plain; charset=utf-8", "method not allowed\n");
    } else if (path.equals("/metrics")) {
      send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape());
    } else {
      boolean ok = serving.getAsBoolean();
      String body =
          "{\"status\":\"" + (ok ? "ok" : "unavailable") + "\",\"node\":\"" + nodeId + "\"}\n";
      send(exchange, ok ? 200 : 503, "application/json", body);
    }
  }

  private static void send(HttpExchange exchange, int status, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
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
