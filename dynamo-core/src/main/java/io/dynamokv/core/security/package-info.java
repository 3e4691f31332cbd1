/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
/**
 * The cluster secret (SPEC §10): one secret every node shares, from which keys for each purpose are
 * derived with HKDF (RFC 5869) under a label of their own, so that no key serves two purposes. The
 * contexts the cluster hands to clients are signed with the key labelled {@value
 * io.dynamokv.core.security.ClusterSecret#CONTEXTS}; connections between nodes are authenticated
 * with the key labelled {@value io.dynamokv.core.security.ClusterSecret#PEERS} and operators' admin
 * connections with the key labelled {@value io.dynamokv.core.security.ClusterSecret#ADMIN} (which
 * an {@link io.dynamokv.core.security.AdminToken} carries), both through a {@link
 * io.dynamokv.core.security.SecureChannel}.
 *
 * <p>Rotation: a {@link io.dynamokv.core.security.ClusterSecret} holds one or more secrets; the
 * first signs and every one verifies. Add the new secret everywhere (second place), then move it
 * first everywhere, then remove the old one.
 */
package io.dynamokv.core.security;
