/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.wire;

import java.util.Objects;

/**
 * One family of binary formats (sibling sets, rings, gossip, a peer protocol's messages, a stored
 * record) and the versions of it this node reads. Every encoding of the family starts with its
 * format byte; a decoder that meets a version outside {@code oldest..newest} refuses the bytes with
 * {@link #unreadable} rather than misreading them.
 *
 * @param family the family's name, as nodes gossip it ({@code [a-z-]}, at most {@value #MAX_NAME}
 *     characters)
 * @param oldest the oldest version still read, at least 1
 * @param newest the newest version read and the newest this node may write, at most 255
 */
public record WireFormat(String family, int oldest, int newest) {
  /** The longest family name. */
  public static final int MAX_NAME = 32;

  public WireFormat {
    Objects.requireNonNull(family, "family");
    if (!isName(family)) {
      throw new IllegalArgumentException("not a format family name: '" + family + "'");
    }
    if (oldest < 1 || newest < oldest || newest > 255) {
      throw new IllegalArgumentException(
          "format versions must satisfy 1 <= oldest <= newest <= 255, found "
              + oldest
              + ".."
              + newest);
    }
  }

  /** Whether {@code name} is a valid family name. */
  public static boolean isName(String name) {
    if (name.isEmpty() || name.length() > MAX_NAME) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (!(c >= 'a' && c <= 'z') && c != '-') {
        return false;
      }
    }
    return true;
  }

  /** Whether this node reads version {@code format} of the family. */
  public boolean reads(int format) {
    return format >= oldest && format <= newest;
  }

  /** Why bytes in version {@code found} are refused, for the decoder's exception. */
  public String unreadable(int found) {
    return family
        + " format "
        + found
        + " is not one this node reads ("
        + (oldest == newest ? String.valueOf(oldest) : oldest + " to " + newest)
        + (found > newest
            ? "): it was written by a newer version; upgrade this node"
            : "): these bytes are not a " + family + " encoding");
  }
}
