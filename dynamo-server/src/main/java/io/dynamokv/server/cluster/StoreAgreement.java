/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.cluster;

import io.dynamokv.core.DynamoException;
import io.dynamokv.server.config.Seed;
import io.dynamokv.server.config.ServerConfig;
import io.dynamokv.transport.thrift.client.ThriftAdminClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Before a node starts, asks each reachable seed which stores it declares: a node whose stores
 * differ from the cluster's must not join it (replicas would disagree on N, R, W and limits). Seeds
 * that do not answer are skipped: at a cluster's first start they are starting too.
 */
public final class StoreAgreement {
  private static final Logger log = LoggerFactory.getLogger(StoreAgreement.class);

  private StoreAgreement() {}

  /** One line per difference with a reachable seed; empty when all agree or none answers. */
  public static List<String> checkWithSeeds(ServerConfig config, Duration timeout) {
    StoreCatalog mine = StoreCatalog.of(config.stores());
    List<String> problems = new ArrayList<>();
    for (Seed seed : config.cluster().seeds()) {
      if (seed.id().equals(config.node().id())) {
        continue;
      }
      try (ThriftAdminClient admin =
          ThriftAdminClient.connect(seed.address().toString(), timeout)) {
        List<String> differences = mine.differences(seed.id(), StoreCatalog.of(admin.stores()));
        for (String d : differences) {
          problems.add(
              "dynamo.stores: "
                  + d
                  + "; every node must declare the same stores (compare dynamo.stores and"
                  + " dynamo.store-defaults)");
        }
      } catch (DynamoException | IllegalArgumentException e) {
        log.debug("seed {} did not tell its stores: {}", seed, e.getMessage());
      }
    }
    return problems;
  }
}
