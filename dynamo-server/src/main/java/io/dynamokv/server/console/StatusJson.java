/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.console;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.StatusSection;
import io.dynamokv.core.membership.MembershipView;
import io.dynamokv.core.node.StoreDefinition;
import io.dynamokv.core.ring.Ring;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The document {@code /status.json} serves, which the console page renders: what {@code bin/dynamo
 * status} prints, as JSON. Every status section is there by name, so a protocol's new section shows
 * on the page without a change to it.
 *
 * <p>Layout (every field always present):
 *
 * <pre>
 * { "node": id, "timeMillis": n,
 *   "members": [ { "id", "address", "peerAddress", "zone", "status", "reachable", "share",
 *                  "generation" } ],
 *   "stores": [ { "name", "n", "r", "w", "maxKeyBytes", "maxValueBytes", "maxSiblings",
 *                 "maxBytesPerKey", "maxContextBytes" } ],
 *   "ring": null | { "version", "strategy", "partitions", "replicas",
 *                    "owners": [ [ the preference list of each partition ] ] },
 *   "requests": [ { "op", "count", "p50Micros", "p99Micros" } ],
 *   "sections": [ { "name", "stats": [ { "name", "kind", "tags": {}, "value", "help" } ] } ] }
 * </pre>
 *
 * It carries no key, value, context, secret or token: members, stores, the ring and counters only.
 * {@code address} is a member's client address and {@code peerAddress} its peer address (both as
 * gossiped when they cannot be parsed: then {@code peerAddress} is empty).
 */
public final class StatusJson {
  private static final JsonFactory JSON = new JsonFactory();

  /** One operation's requests this node coordinated, for the page's rates and latencies. */
  public record Requests(String op, long count, double p50Micros, double p99Micros) {}

  /** What the document is made of, read from the node by the caller. */
  public record Snapshot(
      NodeId node,
      long timeMillis,
      MembershipView view,
      Collection<StoreDefinition> stores,
      Ring ring,
      List<Requests> requests,
      List<StatusSection> sections,
      Map<NodeId, String> clientAddresses,
      Map<NodeId, String> peerAddresses) {}

  private StatusJson() {}

  /** The document for {@code s}. */
  public static String render(Snapshot s) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("node", s.node().value());
      g.writeNumberField("timeMillis", s.timeMillis());
      members(g, s);
      stores(g, s.stores());
      g.writeFieldName("ring");
      g.writeRawValue(ringJson(s.ring(), replicas(s.stores())));
      g.writeArrayFieldStart("requests");
      for (Requests r : s.requests()) {
        g.writeStartObject();
        g.writeStringField("op", r.op());
        g.writeNumberField("count", r.count());
        g.writeNumberField("p50Micros", round(r.p50Micros()));
        g.writeNumberField("p99Micros", round(r.p99Micros()));
        g.writeEndObject();
      }
      g.writeEndArray();
      sections(g, s.sections());
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return out.toString();
  }

  private static double round(double micros) {
    return Double.isFinite(micros) ? Math.round(micros * 10) / 10.0 : 0;
  }

  private static void members(JsonGenerator g, Snapshot s) throws IOException {
    g.writeArrayFieldStart("members");
    for (MembershipView.Member m : s.view().members().values()) {
      boolean self = m.id().equals(s.node());
      g.writeStartObject();
      g.writeStringField("id", m.id().value());
      g.writeStringField("address", s.clientAddresses().getOrDefault(m.id(), m.address()));
      g.writeStringField("peerAddress", s.peerAddresses().getOrDefault(m.id(), ""));
      g.writeStringField("zone", m.zone());
      g.writeStringField("status", m.status().name());
      g.writeBooleanField("reachable", self || m.reachable());
      g.writeNumberField(
          "share",
          s.ring() != null && s.ring().contains(m.id()) ? s.ring().ownershipShare(m.id()) : 0.0);
      g.writeNumberField("generation", m.generation());
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  private static void stores(JsonGenerator g, Collection<StoreDefinition> stores)
      throws IOException {
    g.writeArrayFieldStart("stores");
    for (StoreDefinition d : stores) {
      g.writeStartObject();
      g.writeStringField("name", d.name());
      g.writeNumberField("n", d.replicationFactor());
      g.writeNumberField("r", d.readQuorum());
      g.writeNumberField("w", d.writeQuorum());
      g.writeNumberField("maxKeyBytes", d.maxKeyBytes());
      g.writeNumberField("maxValueBytes", d.maxValueBytes());
      g.writeNumberField("maxSiblings", d.maxSiblings());
      g.writeNumberField("maxBytesPerKey", d.maxBytesPerKey());
      g.writeNumberField("maxContextBytes", d.maxContextBytes());
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  /** The largest N of any store: how many owners the ring picture lists per partition. */
  private static int replicas(Collection<StoreDefinition> stores) {
    return stores.stream().mapToInt(StoreDefinition::replicationFactor).max().orElse(1);
  }

  /** The ring's part of the document, kept for the ring it was made for: it costs Q lists. */
  private record RingJson(Ring ring, int replicas, String json) {}

  private static final AtomicReference<RingJson> LAST_RING = new AtomicReference<>();

  /** The ring's part: made once per ring (and N), then reused by every refresh of the page. */
  static String ringJson(Ring ring, int replicas) {
    if (ring == null) {
      return "null";
    }
    RingJson last = LAST_RING.get();
    if (last != null && last.ring() == ring && last.replicas() == replicas) {
      return last.json();
    }
    StringWriter out = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      ring(g, ring, replicas);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String json = out.toString();
    LAST_RING.set(new RingJson(ring, replicas, json));
    return json;
  }

  private static void ring(JsonGenerator g, Ring ring, int replicas) throws IOException {
    g.writeStartObject();
    g.writeNumberField("version", ring.version());
    g.writeStringField("strategy", ring.strategy().name());
    g.writeNumberField("partitions", ring.partitionCount());
    g.writeNumberField("replicas", replicas);
    g.writeArrayFieldStart("owners");
    for (int p = 0; p < ring.partitionCount(); p++) {
      g.writeStartArray();
      for (NodeId owner : ring.preferenceList(p, replicas)) {
        g.writeString(owner.value());
      }
      g.writeEndArray();
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  private static void sections(JsonGenerator g, List<StatusSection> sections) throws IOException {
    g.writeArrayFieldStart("sections");
    for (StatusSection section : sections) {
      g.writeStartObject();
      g.writeStringField("name", section.name());
      g.writeArrayFieldStart("stats");
      for (StatusSection.Stat stat : section.stats()) {
        g.writeStartObject();
        g.writeStringField("name", stat.name());
        g.writeStringField("kind", stat.kind().name().toLowerCase(java.util.Locale.ROOT));
        g.writeObjectFieldStart("tags");
        for (Map.Entry<String, String> tag : stat.tags().entrySet()) {
          g.writeStringField(tag.getKey(), tag.getValue());
        }
        g.writeEndObject();
        g.writeNumberField("value", stat.value());
        g.writeStringField("help", stat.help());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    }
    g.writeEndArray();
  }
}
