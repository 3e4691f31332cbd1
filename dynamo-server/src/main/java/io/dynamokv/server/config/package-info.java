/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
/**
 * A node's configuration (SPEC §10): {@code reference.conf} with every setting and its default, a
 * HOCON file, {@code --set}, {@code -D} and {@code DYNAMO_*} overrides, validated by {@link
 * io.dynamokv.server.config.ConfigLoader} into a {@link io.dynamokv.server.config.ServerConfig}
 * with one line per problem. docs/configuration.md documents every setting.
 */
package io.dynamokv.server.config;
