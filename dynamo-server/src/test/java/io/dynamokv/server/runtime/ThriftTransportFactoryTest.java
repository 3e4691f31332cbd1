/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.runtime.ThreadScheduler;
import io.dynamokv.transport.thrift.Turn;
import org.junit.jupiter.api.Test;

class ThriftTransportFactoryTest {
  @Test
  void eachRunOfTheNodesTasksIsATurnOnItsThread() {
    ThreadScheduler.Runs runs = new ThriftTransportFactory().schedulerRuns();
    assertThat(Turn.current()).isNull();
    runs.begin();
    try {
      assertThat(Turn.current()).as("the run's turn").isNotNull();
    } finally {
      runs.end();
    }
    assertThat(Turn.current()).isNull();
    runs.end(); // a second end (none open) changes nothing
    assertThat(Turn.current()).isNull();
  }
}
