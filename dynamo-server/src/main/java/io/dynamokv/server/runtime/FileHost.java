/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.runtime;

import io.dynamokv.core.spi.Host;
import io.dynamokv.core.spi.StorageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The {@link Host} of a real machine: the Linux boot id ({@code /proc/sys/kernel/random/boot_id};
 * unknown elsewhere) and the lease record in a file of its own outside the data directory, replaced
 * atomically (written to a temporary file, fsynced, renamed, and the directory fsynced).
 */
final class FileHost implements Host {
  private static final Path BOOT_ID = Path.of("/proc/sys/kernel/random/boot_id");

  private final Path leaseFile;
  private final String bootId;

  FileHost(Path leaseFile) {
    this(leaseFile, readBootId(BOOT_ID));
  }

  FileHost(Path leaseFile, String bootId) {
    this.leaseFile = leaseFile;
    this.bootId = bootId;
  }

  static String readBootId(Path file) {
    try {
      return Files.readString(file, StandardCharsets.US_ASCII).strip();
    } catch (IOException | SecurityException e) {
      return "";
    }
  }

  @Override
  public String bootId() {
    return bootId;
  }

  @Override
  public byte[] readLeaseRecord() {
    try {
      return Files.readAllBytes(leaseFile);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException | SecurityException e) {
      throw new StorageException("cannot read the lease file " + leaseFile + ": " + e, e);
    }
  }

  @Override
  public void writeLeaseRecord(byte[] record) {
    Path dir = leaseFile.toAbsolutePath().getParent();
    try {
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, "." + leaseFile.getFileName() + "-", ".tmp");
      try {
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
          ByteBuffer b = ByteBuffer.wrap(record);
          while (b.hasRemaining()) {
            out.write(b);
          }
          out.force(true);
        }
        Files.move(
            tmp, leaseFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } finally {
        Files.deleteIfExists(tmp);
      }
      try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
        d.force(true);
      } catch (IOException directoriesCannotBeOpened) {
        // Some platforms cannot fsync a directory; the rename is still atomic.
      }
    } catch (IOException | SecurityException e) {
      throw new StorageException("cannot write the lease file " + leaseFile + ": " + e, e);
    }
  }
}
