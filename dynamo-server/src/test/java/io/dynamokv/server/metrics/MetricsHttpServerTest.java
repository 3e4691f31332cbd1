/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.metrics;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.InsufficientReplicasException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.StoreNotFoundException;
import io.dynamokv.core.node.NodeStats;
import io.dynamokv.core.storage.MemoryStorageEngine;
import io.dynamokv.server.metrics.NodeMetrics.Listener;
import io.dynamokv.server.metrics.NodeMetrics.Op;
import io.dynamokv.server.metrics.NodeMetrics.Outcome;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MetricsHttpServerTest {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicBoolean serving = new AtomicBoolean();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private MetricsHttpServer server;

  @BeforeEach
  void start() throws IOException {
    server =
        MetricsHttpServer.start(
            "127.0.0.1", 0, registry, "n1", serving::get, () -> "{\"node\":\"n1\"}");
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.address().getPort() + path))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void metricsServesPrometheusTextWithPercentilesPerOperation() throws Exception {
    MemoryStorageEngine engine = MemoryStorageEngine.create();
    NodeMetrics metrics =
        new NodeMetrics(registry, NodeId.of("n1"))
            .bindStats(new NodeStats())
            .bindStorage(engine)
            .bindConnections(Listener.CLIENT, () -> 3, () -> 2L, () -> 1L, () -> 4L, () -> 6L)
            .bindConnections(Listener.PEER, () -> 7, () -> 0L, () -> 0L, () -> 0L, () -> 8L)
            .bindPeerAuthentication(() -> 9L, () -> 10L);
    for (int i = 1; i <= 100; i++) {
      metrics.record(Op.GET, i * 1_000_000L, Outcome.OK);
    }
    metrics.record(Op.PUT, 2_000_000L, Outcome.QUORUM_FAILURE);

    HttpResponse<String> response = get("/metrics");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type"))
        .get()
        .asString()
        .startsWith("text/plain");
    assertThat(response.body())
        .contains("# TYPE dynamo_requests_seconds summary")
        .contains(
            "dynamo_requests_seconds{node=\"n1\",op=\"get\",outcome=\"ok\",quantile=\"0.99\"}")
        .contains(
            "dynamo_requests_seconds{node=\"n1\",op=\"get\",outcome=\"ok\",quantile=\"0.999\"}")
        .contains("dynamo_requests_seconds_count{node=\"n1\",op=\"get\",outcome=\"ok\"} 100")
        .contains("dynamo_quorum_failures_total{node=\"n1\",op=\"put\"} 1.0")
        .contains("dynamo_coordinator_reads_total{node=\"n1\"} 0.0")
        .contains("dynamo_storage_size_bytes{node=\"n1\"}")
        .contains("dynamo_connections_open{listener=\"client\",node=\"n1\"} 3.0")
        .contains("dynamo_connections_rejected_total{listener=\"client\",node=\"n1\"} 2.0")
        .contains("dynamo_connections_stalled_total{listener=\"client\",node=\"n1\"} 1.0")
        .contains("dynamo_connections_invalid_frames_total{listener=\"client\",node=\"n1\"} 4.0")
        .contains("dynamo_connections_idle_total{listener=\"client\",node=\"n1\"} 6.0")
        .contains("dynamo_connections_open{listener=\"peer\",node=\"n1\"} 7.0")
        .contains("dynamo_connections_idle_total{listener=\"peer\",node=\"n1\"} 8.0")
        .contains("dynamo_peer_channels_refused_total{node=\"n1\"} 9.0")
        .contains("dynamo_peer_replies_refused_total{node=\"n1\"} 10.0");
    assertThat(sample(response.body(), "op=\"get\",outcome=\"ok\",quantile=\"0.99\"}"))
        .isCloseTo(0.099, org.assertj.core.data.Offset.offset(0.005));
    engine.close();
  }

  /** The value of the first sample whose labels end with {@code labelsSuffix}. */
  private static double sample(String body, String labelsSuffix) {
    return body.lines()
        .filter(l -> l.contains(labelsSuffix + " "))
        .map(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void healthFollowsTheSupplier() throws Exception {
    HttpResponse<String> down = get("/health");
    assertThat(down.statusCode()).isEqualTo(503);
    assertThat(down.body()).isEqualTo("{\"status\":\"unavailable\",\"node\":\"n1\"}\n");

    serving.set(true);
    HttpResponse<String> up = get("/health");
    assertThat(up.statusCode()).isEqualTo(200);
    assertThat(up.body()).isEqualTo("{\"status\":\"ok\",\"node\":\"n1\"}\n");
    assertThat(up.headers().firstValue("Content-Type")).contains("application/json");

    serving.set(false);
    assertThat(get("/health").statusCode()).isEqualTo(503);
  }

  @Test
  void theConsoleIsServedFromTheJarWithItsStatusDocument() throws Exception {
    HttpResponse<String> page = get("/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type")).contains("text/html; charset=utf-8");
    assertThat(page.headers().firstValue("Content-Security-Policy"))
        .get()
        .asString()
        .contains("default-src 'self'");
    assertThat(page.body()).contains("<script src=\"/console.js\"", "id=\"members\"");
    assertThat(get("/console.js").body()).contains("/status.json");
    assertThat(get("/console.css").headers().firstValue("Content-Type"))
        .contains("text/css; charset=utf-8");
    HttpResponse<String> status = get("/status.json");
    assertThat(status.body()).isEqualTo("{\"node\":\"n1\"}");
    assertThat(status.headers().firstValue("Cache-Control")).contains("no-store");
  }

  @Test
  void otherPathsAndMethodsAreRefused() throws Exception {
    assertThat(get("/index.html").statusCode()).isEqualTo(404);
    assertThat(get("/../pom.xml").statusCode()).isEqualTo(404);
    assertThat(get("/metricsx").statusCode()).isEqualTo(404);
    HttpResponse<String> post =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.address().getPort() + "/health"))
                .POST(HttpRequest.BodyPublishers.ofString("x"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
    HttpResponse<String> withBody =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.address().getPort() + "/status.json"))
                .method("GET", HttpRequest.BodyPublishers.ofString("x".repeat(1000)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(withBody.statusCode()).isEqualTo(413);
  }

  /** A raw request (the JDK's client will not send a Host header of our choosing). */
  private String rawGet(String path, String host) throws IOException {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.address().getPort())) {
      socket.setSoTimeout(5000);
      socket
          .getOutputStream()
          .write(
              ("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                  .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      String response =
          new String(
              socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      return response.substring(0, response.indexOf("\r\n"));
    }
  }

  @Test
  void theConsoleAnswersOnlyToLocalhostOrAnAddressNotToAnotherSitesName() throws Exception {
    assertThat(rawGet("/status.json", "127.0.0.1:8000")).contains(" 200 ");
    assertThat(rawGet("/", "localhost:8000")).contains(" 200 ");
    assertThat(rawGet("/", "[::1]:8000")).contains(" 200 ");
    assertThat(rawGet("/status.json", "attacker.example:8000")).contains(" 403 ");
    assertThat(rawGet("/", "attacker.example")).contains(" 403 ");
    assertThat(rawGet("/metrics", "prometheus.internal:8000"))
        .as("scrapers may use names")
        .contains(" 200 ");
    assertThat(MetricsHttpServer.trustedHost("10.1.2.3")).isTrue();
    assertThat(MetricsHttpServer.trustedHost("localhost.attacker.example")).isFalse();
    assertThat(MetricsHttpServer.trustedHost("1.2.3.4.attacker.example:80")).isFalse();
  }

  @Test
  void clientsThatTrickleTheirHeadersDoNotStopOthersBeingServed() throws Exception {
    List<java.net.Socket> slow = new java.util.ArrayList<>();
    try {
      // More than there are threads: each holds one until the request time limit drops it.
      for (int i = 0; i < MetricsHttpServer.THREADS + 2; i++) {
        java.net.Socket socket = new java.net.Socket("127.0.0.1", server.address().getPort());
        socket.getOutputStream().write("GET /health HTTP/1.1\r\nHost: 127".getBytes(UTF_8));
        socket.getOutputStream().flush();
        slow.add(socket);
      }
      serving.set(true);
      HttpResponse<String> health =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + server.address().getPort() + "/health"))
                  .timeout(Duration.ofSeconds(MetricsHttpServer.MAX_REQUEST_SECONDS + 10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(200);
    } finally {
      for (java.net.Socket socket : slow) {
        socket.close();
      }
    }
  }

  @Test
  void outcomesAreClassifiedThroughCompletionWrappers() {
    assertThat(Outcome.of(null)).isEqualTo(Outcome.OK);
    assertThat(Outcome.of(new StoreNotFoundException("x"))).isEqualTo(Outcome.REJECTED);
    assertThat(
            Outcome.of(new CompletionException(new InsufficientReplicasException("short", 1, 2))))
        .isEqualTo(Outcome.QUORUM_FAILURE);
    assertThat(Outcome.of(new CompletionException(new IllegalStateException())))
        .isEqualTo(Outcome.ERROR);
  }
}
