/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.bench.ycsb;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * The disk's fsync latency where the cluster keeps its data: appends of 4 KiB, each followed by
 * {@link FileChannel#force}, as a commit with {@code sync} durability does at least.
 */
final class FsyncProbe {
  private FsyncProbe() {}

  /** Median and 99th percentile of {@code count} timed fsyncs in {@code dir}, in milliseconds. */
  static String measure(Path dir, int count) throws IOException {
    Files.createDirectories(dir);
    Path file = Files.createTempFile(dir, "fsync-probe", ".tmp");
    long[] nanos = new long[count];
    Random random = new Random(count);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      byte[] bytes = new byte[4096];
      ByteBuffer block = ByteBuffer.wrap(bytes);
      for (int i = 0; i < count; i++) {
        random.nextBytes(bytes); // not zeros, which a compressing file system would shrink
        block.clear();
        ch.write(block);
        long start = System.nanoTime();
        ch.force(false);
        nanos[i] = System.nanoTime() - start;
      }
    } finally {
      Files.deleteIfExists(file);
    }
    Arrays.sort(nanos);
    return String.format(
        Locale.ROOT,
        "fsync of a 4 KiB append in %s: median %.2f ms, p99 %.2f ms (%d fsyncs)",
        dir,
        nanos[count / 2] / 1e6,
        nanos[(int) Math.min(count - 1, Math.ceil(count * 0.99) - 1)] / 1e6,
        count);
  }
}
