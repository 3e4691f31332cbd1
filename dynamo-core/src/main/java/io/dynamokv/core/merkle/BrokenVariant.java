/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.merkle;

/**
 * Deliberately broken exchanges that the simulation's convergence invariant must catch ("sync in
 * one direction only"). Production code always runs {@link #NONE}.
 */
public enum BrokenVariant {
  NONE,
  /** The initiator sends its sets but never merges the responder's: only the responder heals. */
  INITIATOR_SKIPS_MERGE,
  /** The responder answers with its own sets but never merges the initiator's. */
  RESPONDER_SKIPS_MERGE
}
