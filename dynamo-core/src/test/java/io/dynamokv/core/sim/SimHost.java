/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.sim;

import io.dynamokv.core.spi.Host;

/**
 * The simulated machine of one node: a boot id that changes when the machine loses power (see
 * {@link SimCluster.Instance#powerFailure}) and a lease record that, like a file beside the
 * configuration, survives crashes, power failures and the loss or restore of the data directory.
 */
public final class SimHost implements Host {
  private final String name;
  private int boots = 1;
  private byte[] leaseRecord;

  SimHost(String name) {
    this.name = name;
  }

  @Override
  public String bootId() {
    return name + "-boot-" + boots;
  }

  @Override
  public byte[] readLeaseRecord() {
    return leaseRecord == null ? null : leaseRecord.clone();
  }

  @Override
  public void writeLeaseRecord(byte[] record) {
    leaseRecord = record.clone();
  }

  /** The machine boots again: a new boot id. */
  void reboot() {
    boots++;
  }

  /** The lease record is lost too (e.g. the whole machine was replaced). */
  public void loseLeaseRecord() {
    leaseRecord = null;
  }
}
