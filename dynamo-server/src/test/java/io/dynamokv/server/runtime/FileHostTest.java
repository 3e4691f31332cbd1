/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileHostTest {
  @TempDir Path dir;

  @Test
  void theLeaseRecordIsReplacedWholeAndReadBack() throws Exception {
    FileHost host = new FileHost(dir.resolve("sub/n1.lease"), "boot");
    assertThat(host.readLeaseRecord()).isNull();
    host.writeLeaseRecord(new byte[] {1, 2, 3});
    host.writeLeaseRecord(new byte[] {4, 5});
    assertThat(host.readLeaseRecord()).containsExactly(4, 5);
    try (var files = Files.list(dir.resolve("sub"))) {
      assertThat(files).containsExactly(dir.resolve("sub/n1.lease")); // no temporary files left
    }
  }

  @Test
  void theBootIdIsReadOrUnknown() throws Exception {
    Path file = Files.writeString(dir.resolve("boot_id"), "0f1e2d3c-aaaa\n");
    assertThat(FileHost.readBootId(file)).isEqualTo("0f1e2d3c-aaaa");
    assertThat(FileHost.readBootId(dir.resolve("missing"))).isEmpty();
    if (Files.isReadable(Path.of("/proc/sys/kernel/random/boot_id"))) {
      assertThat(new FileHost(dir.resolve("l")).bootId()).isNotEmpty();
    }
  }
}
