/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
/**
 * Versioning (paper §4.4, SPEC §2): how replicas tell concurrent writes from superseded ones.
 *
 * <p>{@link io.dynamokv.core.version.VectorClock} is a version vector over {@link
 * io.dynamokv.core.version.Actor}s and the client's opaque context. {@link
 * io.dynamokv.core.version.Siblings} is the per-key state: a dotted version vector set (Preguiça,
 * Baquero, Almeida, Fonte, Gonçalves, "Dotted Version Vectors: Logical Clocks for Optimistic
 * Replication", arXiv 1011.5808; Riak's {@code dvvset.erl}). Each sibling carries its own dot and
 * the set carries one context, so two writes with the same context through the same coordinator
 * both survive (plain per-server vector clocks would lose one, or with client ids grow without
 * bound), and siblings never outnumber truly concurrent writes (no "sibling explosion"). {@link
 * io.dynamokv.core.version.VersionCodec} gives both their compact, canonical, hostile-input-safe
 * binary forms.
 *
 * <h2>How a node uses it</h2>
 *
 * <ul>
 *   <li>Put/delete coordinated by node {@code n}: {@code seen = decodeCausalContext(ctx)}; {@code
 *       local = stored set or Siblings.empty()}; {@code actor = local.actorFor(n, seen, epochs)};
 *       {@code next = local.update(seen, value, actor).pruned(threshold)}; store {@code next}, send
 *       it to the other replicas, and answer {@code encode(next.writtenContext(seen, actor))}: the
 *       {@link io.dynamokv.core.version.CausalContext} of exactly the written version.
 *   <li>Any replica receiving a set (replication, read repair, hinted handoff, anti-entropy): store
 *       {@code Siblings.sync(stored, received)}; never overwrite.
 *   <li>Get: {@code sync} the replies, answer {@code liveValues()} and {@code
 *       encode(causalContext())}, and repair the replicas that replied with less.
 * </ul>
 *
 * <h2>Actors and epochs: no dot is ever issued twice</h2>
 *
 * A dot {@code (actor, counter)} names one write cluster-wide; if a node issued one twice, replicas
 * that saw the first would silently treat the second as already seen and drop it (Riak's kv679
 * lost-write bug). Counters are per key and live in the replicated set itself, so a node that lost
 * a key's state cannot know which counters it used. Hence actors are (node, epoch) pairs, and
 * {@link io.dynamokv.core.version.Siblings#actorFor} reuses the node's highest-epoch actor of its
 * local set only while that entry is trustworthy, and otherwise leases a fresh epoch from the
 * node's durable {@link io.dynamokv.core.version.EpochSource}: when the key has no entry of the
 * node (new key, lost record), when the entry comes from a previous life of the node (epoch below
 * its incarnation, i.e. the data directory was replaced), and when the set has pruned an entry with
 * that epoch or a higher one. A fresh epoch has never issued a dot, so its counters start at 1
 * without colliding.
 *
 * <p>The node MUST treat any loss of a key's local record while it keeps running (e.g. a purge of a
 * deleted key, a storage error dropping one record) like a new data directory if the record could
 * afterwards be rebuilt from another replica: either start a new incarnation, or never coordinate
 * on a rebuilt record without a fresh epoch.
 *
 * <h2>Pruning</h2>
 *
 * {@link io.dynamokv.core.version.Siblings#pruned} bounds the clock (paper: 10 entries, oldest
 * first by timestamp) by removing entries that carry no value. It forgets history, never values:
 *
 * <ul>
 *   <li>False siblings (acceptable): a replica that still holds a value the pruned entry had
 *       superseded can make it reappear beside its successor after {@code sync}; the client sees an
 *       extra sibling and reconciles it away with its next write.
 *   <li>Lost writes (impossible): a value is only ever dropped when a context covers its dot, and
 *       pruning only shrinks contexts. The danger would be the pruned actor continuing from a lower
 *       counter and reissuing covered dots; the set remembers the highest pruned epoch ({@link
 *       io.dynamokv.core.version.Siblings#prunedEpochFloor}, merged by maximum) and {@code
 *       actorFor} never reuses an actor at or below it, so a pruned actor gets a fresh epoch.
 * </ul>
 */
package io.dynamokv.core.version;
