/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.cluster;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.node.StoreDefinition;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The stores a node declares, in a canonical form every node computes alike, so nodes can check
 * that they agree (SPEC §1: stores are declared in configuration and must agree across the
 * cluster). Two nodes that serve a store with different N, R, W or limits would route, count
 * quorums or reject writes differently; a node seeing a peer with another {@link #fingerprint()}
 * should refuse to serve and say why.
 *
 * <p>The canonical form lists the stores by name, one line each with every field of {@link
 * StoreDefinition}; declaration order does not matter. The fingerprint is the first 16 bytes of its
 * SHA-256, in hex.
 *
 * <p>Immutable and thread-safe.
 */
public final class StoreCatalog {
  /** Bumped when the canonical form changes, so old and new fingerprints never collide. */
  private static final String FORMAT = "dynamo-stores/1";

  private final SortedMap<String, StoreDefinition> stores;
  private final String canonical;
  private final String fingerprint;

  private StoreCatalog(SortedMap<String, StoreDefinition> stores) {
    this.stores = stores;
    StringBuilder sb = new StringBuilder(FORMAT).append('\n');
    stores.values().forEach(s -> sb.append(line(s)).append('\n'));
    this.canonical = sb.toString();
    this.fingerprint = sha256Prefix(canonical);
  }

  /**
   * The catalog of {@code stores}.
   *
   * @throws IllegalArgumentException when two stores share a name
   */
  public static StoreCatalog of(Collection<StoreDefinition> stores) {
    SortedMap<String, StoreDefinition> byName = new TreeMap<>();
    for (StoreDefinition store : stores) {
      if (byName.putIfAbsent(store.name(), store) != null) {
        throw new IllegalArgumentException("store " + store.name() + " is declared twice");
      }
    }
    return new StoreCatalog(byName);
  }

  /** The stores, by name. */
  public List<StoreDefinition> stores() {
    return List.copyOf(stores.values());
  }

  /** The canonical text the fingerprint hashes. */
  public String canonical() {
    return canonical;
  }

  /** 32 hex characters; equal for equal store sets, whatever their order. */
  public String fingerprint() {
    return fingerprint;
  }

  /**
   * Whether {@code peer}, whose catalog has {@code peerFingerprint}, agrees with this one.
   *
   * @return empty when the fingerprints are equal, else the message to log and refuse with
   */
  public Optional<String> checkAgreement(NodeId peer, String peerFingerprint) {
    if (fingerprint.equals(peerFingerprint)) {
      return Optional.empty();
    }
    return Optional.of(
        "node "
            + peer
            + " declares different stores (fingerprint "
            + peerFingerprint
            + ", here "
            + fingerprint
            + "): every node must declare the same stores with the same N, R, W and limits;"
            + " compare dynamo.stores and dynamo.store-defaults in both nodes' configurations");
  }

  /**
   * What differs between this catalog and {@code peer}'s, one line per store, for when a peer's
   * whole catalog is at hand (e.g. from cluster status). Empty when they agree.
   */
  public List<String> differences(NodeId peer, StoreCatalog other) {
    List<String> lines = new ArrayList<>();
    TreeSet<String> names = new TreeSet<>(stores.keySet());
    names.addAll(other.stores.keySet());
    for (String name : names) {
      StoreDefinition here = stores.get(name);
      StoreDefinition there = other.stores.get(name);
      if (there == null) {
        lines.add("store " + name + " is declared here but not on " + peer);
      } else if (here == null) {
        lines.add("store " + name + " is declared on " + peer + " but not here");
      } else if (!here.equals(there)) {
        lines.add(
            "store " + name + ": here " + fields(here) + ", on " + peer + " " + fields(there));
      }
    }
    return lines;
  }

  private static String line(StoreDefinition s) {
    return s.name() + " " + fields(s);
  }

  private static String fields(StoreDefinition s) {
    return "N="
        + s.replicationFactor()
        + " R="
        + s.readQuorum()
        + " W="
        + s.writeQuorum()
        + " max-key-bytes="
        + s.maxKeyBytes()
        + " max-value-bytes="
        + s.maxValueBytes()
        + " max-siblings="
        + s.maxSiblings()
        + " max-bytes-per-key="
        + s.maxBytesPerKey()
        + " max-context-bytes="
        + s.maxContextBytes();
  }

  private static String sha256Prefix(String text) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(UTF_8));
      return HexFormat.of().formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StoreCatalog other && canonical.equals(other.canonical);
  }

  @Override
  public int hashCode() {
    return Objects.hash(canonical);
  }

  @Override
  public String toString() {
    return "StoreCatalog" + stores.keySet() + "@" + fingerprint;
  }
}
