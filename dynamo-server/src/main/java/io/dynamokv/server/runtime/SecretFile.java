/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.runtime;

import io.dynamokv.core.security.ClusterSecret;
import io.dynamokv.server.config.ServerConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;

/**
 * Where a node's cluster secret comes from ({@code dynamo.cluster.secret-file}):
 *
 * <ul>
 *   <li>the configured file, which must exist and hold a valid secret ({@link
 *       ClusterSecret#parse});
 *   <li>not configured, on a node with no seed but itself: {@code cluster.secret} in the node's
 *       {@linkplain ServerConfig.Node#home() home}, made (32 random bytes, owner-only permissions)
 *       if it does not exist yet, and said so in the log;
 *   <li>not configured, on a node with seeds: refused, naming the setting. A node must not make up
 *       a secret of its own for a cluster it joins: its contexts would be refused by every other
 *       node.
 * </ul>
 */
public final class SecretFile {
  /** The name of the file a node that runs alone makes in its home. */
  public static final String DEFAULT_NAME = "cluster.secret";

  private static final String KEY = "dynamo.cluster.secret-file: ";
  private static final String MAKE_ONE = "head -c 32 /dev/urandom | base64 > ";

  /**
   * The secret a node uses and where it came from.
   *
   * @param made whether this start made the file
   */
  public record Loaded(ClusterSecret secret, Path path, boolean made) {}

  private SecretFile() {}

  /** Where the node reads its secret: the configured file, or the default one in its home. */
  public static Path path(ServerConfig config) {
    Path configured = config.cluster().secretFile();
    return configured != null ? configured : config.node().home().resolve(DEFAULT_NAME);
  }

  /** What stops the node from getting its secret, without making any file (for {@code --check}). */
  public static Optional<String> check(ServerConfig config) {
    Path path = path(config);
    if (config.cluster().secretFile() == null && !config.alone()) {
      return Optional.of(notSetWithSeeds(path));
    }
    if (config.cluster().secretFile() == null && !Files.exists(path)) {
      Path dir = path.getParent();
      return Files.isDirectory(dir) && Files.isWritable(dir)
          ? Optional.empty()
          : Optional.of(
              KEY
                  + "not set, and this node would make "
                  + path
                  + " but cannot write in "
                  + dir
                  + "; set dynamo.cluster.secret-file");
    }
    try {
      read(path);
      return Optional.empty();
    } catch (IllegalArgumentException e) {
      return Optional.of(e.getMessage());
    }
  }

  /**
   * The node's secret, making the default file when the node runs alone and has none.
   *
   * @throws IllegalArgumentException with one line naming the setting when there is no usable
   *     secret
   */
  public static Loaded load(ServerConfig config) {
    Path path = path(config);
    boolean configured = config.cluster().secretFile() != null;
    if (!configured && !config.alone()) {
      throw new IllegalArgumentException(notSetWithSeeds(path));
    }
    if (!configured && !Files.exists(path)) {
      make(path);
      return new Loaded(read(path), path, true);
    }
    return new Loaded(read(path), path, false);
  }

  /**
   * The secret of the node {@code config} describes, read where the node reads it, without making a
   * file: what the CLI derives the admin token from.
   *
   * @throws IllegalArgumentException with one line naming the setting when there is no readable,
   *     valid secret file
   */
  public static ClusterSecret existing(ServerConfig config) {
    return read(path(config));
  }

  private static String notSetWithSeeds(Path defaultPath) {
    return KEY
        + "not set, but this node has seeds: every node of a cluster needs the same secret file."
        + " Copy the cluster's (a node that ran alone made "
        + DEFAULT_NAME
        + " beside its configuration file) and set dynamo.cluster.secret-file to its path"
        + (Files.exists(defaultPath)
            ? " ("
                + defaultPath
                + " exists: set dynamo.cluster.secret-file = \""
                + defaultPath
                + "\" to use it)"
            : "; for a new cluster make one with: " + MAKE_ONE + defaultPath);
  }

  private static ClusterSecret read(Path path) {
    if (!Files.exists(path)) {
      throw new IllegalArgumentException(
          KEY
              + "no such file "
              + path
              + "; every node of a cluster needs a copy of the same secret file (for a new"
              + " cluster make one with: "
              + MAKE_ONE
              + path
              + ")");
    }
    String text;
    try {
      text = Files.readString(path, StandardCharsets.US_ASCII);
    } catch (IOException | SecurityException e) {
      throw new IllegalArgumentException(
          KEY + path + " is not readable by this process: " + e.getMessage());
    }
    try {
      return ClusterSecret.parse(text, path.toString());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(KEY + e.getMessage());
    }
  }

  /**
   * Writes a new random secret to {@code path}, readable by its owner only, atomically.
   *
   * @throws IllegalArgumentException when it cannot
   */
  public static void make(Path path) {
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    String text =
        "# dynamo-kv cluster secret: give every node of this cluster a copy (owner-readable only).\n"
            + "# One base64 secret per line; the first signs, every one verifies.\n"
            + Base64.getEncoder().encodeToString(secret)
            + "\n";
    try {
      Path tmp = Files.createTempFile(path.getParent(), ".cluster-secret-", ".tmp");
      try {
        restrict(tmp);
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
          out.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)));
          out.force(true);
        }
        Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(tmp);
      }
      // Durable before the node signs anything with it: an OS crash must not take it away.
      try (FileChannel dir = FileChannel.open(path.getParent(), StandardOpenOption.READ)) {
        dir.force(true);
      } catch (IOException directoriesCannotBeOpened) {
        // Some platforms cannot fsync a directory; the rename is still atomic.
      }
    } catch (IOException | SecurityException e) {
      throw new IllegalArgumentException(
          KEY + "not set, and this node cannot make " + path + ": " + e.getMessage());
    }
  }

  private static void restrict(Path file) throws IOException {
    try {
      Files.setPosixFilePermissions(
          file, Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
    } catch (UnsupportedOperationException notPosix) {
      // Windows and other non-POSIX file systems: the directory's permissions apply.
    }
  }

  /** Whether the file is readable by others than its owner (worth a warning). */
  static boolean readableByOthers(Path file) {
    try {
      Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
      return p.contains(PosixFilePermission.GROUP_READ)
          || p.contains(PosixFilePermission.OTHERS_READ);
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }
}
