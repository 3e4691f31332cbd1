/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dynamokv.core.client.Context;
import io.dynamokv.transport.thrift.client.ThriftDynamoClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * The console (issue 25) of a real 3-node cluster: {@code /status.json}'s content, and the page in
 * headless Chromium driven by Selenium WebDriver through Debian's {@code chromium} and {@code
 * chromedriver} (never Selenium Manager, which would try to download a driver). Without them the
 * browser part is skipped with the reason printed, except under CI ({@code CI=true}), which
 * installs them and where their absence fails the test.
 */
class ConsoleTest {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  /** Where the screenshot goes; the README's image is a copy of it. */
  private static final Path SCREENSHOT = Path.of("target", "console.png");

  private static final ObjectMapper JSON = new ObjectMapper();

  /** How often the page reads {@code /status.json} (console.js's REFRESH_MS). */
  private static final int REFRESH_SECONDS = 3;

  @RegisterExtension final PrintLogsOnFailure logs = new PrintLogsOnFailure();

  @TempDir Path dir;

  @Test
  @Timeout(value = 240, unit = TimeUnit.SECONDS)
  void statusJsonAndThePageShowTheClusterAndANodeGoingDown() throws Exception {
    try (ProcessCluster cluster = logs.watch(ProcessCluster.create(dir, "lmdb", 3))) {
      cluster.startAll();
      cluster.awaitConverged();
      String userKey = "console-user-key-7f3a";
      String userValue = "console-user-value-19c2";
      try (ThriftDynamoClient client = cluster.client()) {
        for (int i = 0; i < 20; i++) {
          client.put(
              ProcessCluster.STORE,
              (userKey + i).getBytes(UTF_8),
              userValue.getBytes(UTF_8),
              Context.EMPTY);
        }
      }
      ProcessCluster.Node n1 = cluster.node(1);

      String body = get(n1.httpAddress() + "/status.json");
      JsonNode doc = JSON.readTree(body);
      // Every object has exactly its documented fields (an allow-list: nothing else leaks in).
      assertFields(doc, "node", "timeMillis", "members", "stores", "ring", "requests", "sections");
      doc.get("members")
          .forEach(
              m ->
                  assertFields(
                      m,
                      "id",
                      "address",
                      "peerAddress",
                      "zone",
                      "status",
                      "reachable",
                      "share",
                      "generation"));
      doc.get("stores")
          .forEach(
              st ->
                  assertFields(
                      st,
                      "name",
                      "n",
                      "r",
                      "w",
                      "maxKeyBytes",
                      "maxValueBytes",
                      "maxSiblings",
                      "maxBytesPerKey",
                      "maxContextBytes"));
      assertFields(doc.get("ring"), "version", "strategy", "partitions", "replicas", "owners");
      doc.get("requests").forEach(r -> assertFields(r, "op", "count", "p50Micros", "p99Micros"));
      for (JsonNode section : doc.get("sections")) {
        assertFields(section, "name", "stats");
        section
            .get("stats")
            .forEach(st -> assertFields(st, "name", "kind", "tags", "value", "help"));
      }
      assertThat(doc.get("node").asText()).isEqualTo("n1");
      assertThat(doc.get("timeMillis").asLong())
          .isCloseTo(System.currentTimeMillis(), org.assertj.core.data.Offset.offset(60_000L));
      assertThat(doc.get("members")).hasSize(3);
      for (JsonNode m : doc.get("members")) {
        assertThat(m.get("status").asText()).isEqualTo("NORMAL");
        assertThat(m.get("reachable").asBoolean()).as("%s reachable", m).isTrue();
        assertThat(m.get("address").asText()).startsWith("127.0.0.1:");
        assertThat(m.get("share").asDouble()).isBetween(0.2, 0.5);
        assertThat(m.get("generation").asLong()).isPositive();
      }
      JsonNode store = doc.get("stores").get(0);
      assertThat(List.of(store.get("n").asInt(), store.get("r").asInt(), store.get("w").asInt()))
          .containsExactly(3, 2, 2);
      JsonNode ring = doc.get("ring");
      int partitions = ring.get("partitions").asInt();
      assertThat(ring.get("owners")).hasSize(partitions);
      assertThat(ring.get("owners").get(0)).hasSize(3);
      assertThat(doc.get("stores").get(0).get("name").asText()).isEqualTo(ProcessCluster.STORE);
      Set<String> sections = new TreeSet<>();
      doc.get("sections").forEach(s -> sections.add(s.get("name").asText()));
      assertThat(sections).contains("handoff", "formats");
      List<String> ops = new ArrayList<>();
      doc.get("requests").forEach(r -> ops.add(r.get("op").asText()));
      assertThat(ops).containsExactly("get", "put", "delete");
      long puts = 0;
      for (ProcessCluster.Node n : cluster.nodes()) {
        JsonNode d = JSON.readTree(get(n.httpAddress() + "/status.json"));
        puts += d.get("requests").get(1).get("count").asLong();
      }
      assertThat(puts).as("puts the three nodes coordinated").isEqualTo(20);
      List<String> secrets =
          Files.readAllLines(cluster.secretFile(), UTF_8).stream()
              .filter(line -> !line.isBlank() && !line.startsWith("#"))
              .toList();
      assertThat(secrets).isNotEmpty();
      for (String secret : secrets) {
        assertThat(body).as("no cluster secret in /status.json").doesNotContain(secret.trim());
      }
      assertThat(body)
          .as("no token, key or value in /status.json")
          .doesNotContain(cluster.adminToken().encode())
          .doesNotContain(userKey)
          .doesNotContain(userValue);
      assertThat(status(n1.httpAddress() + "/no-such-page")).isEqualTo(404);

      if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
        assertThat(System.getenv("CI"))
            .as(
                "CI (CI=true) installs the browser: there must be %s and %s",
                CHROMIUM, CHROMEDRIVER)
            .isNotEqualTo("true");
        System.out.println(
            "ConsoleTest: browser part skipped: no "
                + CHROMIUM
                + " and "
                + CHROMEDRIVER
                + " (apt-get install chromium chromium-driver)");
        Assumptions.abort("no Chromium and chromedriver here");
      }
      ChromeDriver browser = browser();
      try {
        browser.get(n1.httpAddress() + "/");
        await("3 reachable members on the page")
            .atMost(Duration.ofSeconds(20))
            .until(() -> browser.findElements(By.cssSelector("#members tr.reachable")).size() == 3);
        assertThat(browser.findElements(By.cssSelector("#ring path.segment"))).hasSize(partitions);
        assertThat(browser.findElement(By.id("alert")).isDisplayed())
            .as("no alert while every node is up")
            .isFalse();
        @SuppressWarnings("unchecked")
        List<String> shownSections =
            (List<String>)
                browser.executeScript(
                    "return [...document.querySelectorAll('#sections [data-section]')]"
                        + ".map(e => e.dataset.section)");
        assertThat(shownSections).contains("handoff", "formats");
        ProcessCluster.Node n3 = cluster.node(3);
        n3.kill();
        long killed = System.nanoTime();
        long[] detected = {0};
        long[] shown = {0};
        await("n1 to find n3 unreachable, and the page to show it")
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(200))
            .until(
                () -> {
                  long now = System.nanoTime();
                  if (detected[0] == 0 && n1SeesUnreachable(n1, "n3")) {
                    detected[0] = now;
                  }
                  // One script call: the page re-renders its rows every refresh.
                  Object shownClass =
                      browser.executeScript(
                          "const r = document.querySelector(\"#members tr[data-node='n3']\");"
                              + " return r ? r.className : null;");
                  if (shown[0] == 0 && "unreachable".equals(shownClass)) {
                    shown[0] = now;
                  }
                  return detected[0] != 0 && shown[0] != 0;
                });
        double detection = (detected[0] - killed) / 1e9;
        double lag = (shown[0] - detected[0]) / 1e9;
        System.out.printf(
            "ConsoleTest: n1 found n3 unreachable %.1fs after kill -9; the page showed it %.1fs"
                + " later%n",
            detection, lag);
        assertThat(lag)
            .as(
                "seconds from n1's verdict to the page showing it: one refresh (%ds) and slack",
                REFRESH_SECONDS)
            .isLessThanOrEqualTo(REFRESH_SECONDS + 3.0);
        assertThat((shown[0] - killed) / 1e9)
            .as("seconds from kill -9 to the page showing n3 unreachable")
            .isLessThanOrEqualTo(15.0);
        assertThat(browser.findElement(By.id("alert")).getText()).contains("cannot reach n3");
        Files.createDirectories(SCREENSHOT.getParent());
        Files.write(SCREENSHOT, browser.getScreenshotAs(OutputType.BYTES));

        List<String> errors = new ArrayList<>();
        for (LogEntry e : browser.manage().logs().get(LogType.BROWSER)) {
          if (e.getLevel().intValue() >= Level.SEVERE.intValue()) {
            errors.add(e.getMessage());
          }
        }
        assertThat(errors).as("JavaScript errors in the browser log").isEmpty();
      } finally {
        browser.quit();
      }
    }
  }

  private static boolean n1SeesUnreachable(ProcessCluster.Node n1, String id) {
    try {
      return n1.members().get(id).endsWith("UNREACHABLE");
    } catch (RuntimeException slowOrRefused) {
      return false; // asked again at the next poll
    }
  }

  private static void assertFields(JsonNode object, String... names) {
    List<String> fields = new ArrayList<>();
    object.fieldNames().forEachRemaining(fields::add);
    assertThat(fields).as("fields of %s", object).containsExactlyInAnyOrder(names);
  }

  private static ChromeDriver browser() {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000");
    LoggingPreferences prefs = new LoggingPreferences();
    prefs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", prefs);
    ChromeDriverService service =
        new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).build();
    return new ChromeDriver(service, options);
  }

  private static String get(String url) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("GET %s", url).isEqualTo(200);
    return r.body();
  }

  private static int status(String url) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }
}
