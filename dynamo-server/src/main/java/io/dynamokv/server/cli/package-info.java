/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
/**
 * The {@code dynamo} command line (SPEC §10), built with picocli: {@link
 * io.dynamokv.server.cli.DynamoCli} and its subcommands. The data commands talk to a cluster
 * through {@link io.dynamokv.server.cli.CliBackend}, which the Thrift client library will
 * implement.
 */
package io.dynamokv.server.cli;
