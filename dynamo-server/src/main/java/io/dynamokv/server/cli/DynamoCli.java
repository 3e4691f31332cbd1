/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.cli;

import io.dynamokv.server.config.ConfigLoader;
import io.dynamokv.server.config.ConfigValidationException;
import io.dynamokv.server.runtime.ThriftTransportFactory;
import io.dynamokv.server.runtime.TransportFactory;
import java.io.PrintWriter;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;

/**
 * The {@code dynamo} command line (SPEC §10): {@code server}, {@code local-cluster}, {@code put},
 * {@code get}, {@code delete}, {@code status}, and the admin commands {@code join}, {@code leave},
 * {@code remove}, {@code repair} and {@code admin-token}.
 *
 * <p>Exit codes are {@link ExitCodes}: 0 done, 1 failed at run time, 2 bad command line or
 * configuration, 3 absent key, 4 admin token refused, 5 change refused. Errors are printed to
 * standard error as one line per problem; {@code --verbose} adds the stack trace of unexpected
 * ones.
 */
@Command(
    name = "dynamo",
    mixinStandardHelpOptions = true,
    versionProvider = DynamoCli.Version.class,
    description = "dynamo-kv: an implementation of Amazon's Dynamo.",
    footer = {
      "",
      "Exit codes: 0 done (a server stopped by SIGTERM or Ctrl-C too), 1 failed at run time,",
      "2 bad command line or configuration (nothing started), 3 get: the key is absent,",
      "4 join/leave/remove/repair: the node refused the admin token,",
      "5 join/leave/remove: the node refused the change (its plan); nothing was done.",
      "JVM options (heap, GC) go in DYNAMO_JAVA_OPTS. Every command and code: docs/cli.md."
    },
    subcommandsRepeatable = false)
public final class DynamoCli {
  @Option(
      names = "--verbose",
      scope = ScopeType.INHERIT,
      description = "Print stack traces of unexpected errors.")
  boolean verbose;

  private final Supplier<ConfigLoader> loaders;
  private final TransportFactory transports;
  private final CliBackend.Connector connector;
  private final Function<String, String> environment;

  /**
   * @param loaders where {@code server} gets its configuration loader (the process's environment
   *     and system properties, in production)
   * @param transports the network {@code server} starts nodes on
   * @param connector what the data commands talk to
   */
  public DynamoCli(
      Supplier<ConfigLoader> loaders, TransportFactory transports, CliBackend.Connector connector) {
    this(loaders, transports, connector, System::getenv);
  }

  /**
   * @param environment the environment variables the commands read (e.g. {@code
   *     DYNAMO_ADMIN_TOKEN})
   */
  public DynamoCli(
      Supplier<ConfigLoader> loaders,
      TransportFactory transports,
      CliBackend.Connector connector,
      Function<String, String> environment) {
    this.loaders = Objects.requireNonNull(loaders, "loaders");
    this.transports = Objects.requireNonNull(transports, "transports");
    this.connector = Objects.requireNonNull(connector, "connector");
    this.environment = Objects.requireNonNull(environment, "environment");
  }

  public static void main(String[] args) {
    int code =
        new DynamoCli(
                ConfigLoader::forThisProcess,
                new ThriftTransportFactory(),
                ThriftCliBackend.connector())
            .run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
    Exit.now(code);
  }

  /** Runs one command line; returns its exit code. */
  public int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(this);
    cli.addSubcommand(new ServerCommand(loaders, transports));
    cli.addSubcommand(new LocalClusterCommand());
    cli.addSubcommand(new DataCommands.Put(connector));
    cli.addSubcommand(new DataCommands.Get(connector));
    cli.addSubcommand(new DataCommands.Delete(connector));
    cli.addSubcommand(new DataCommands.Status(connector));
    cli.addSubcommand(new AdminCommands.Join(connector, loaders, environment));
    cli.addSubcommand(new AdminCommands.Leave(connector, loaders, environment));
    cli.addSubcommand(new AdminCommands.Remove(connector, loaders, environment));
    cli.addSubcommand(new AdminCommands.Repair(connector, loaders, environment));
    cli.addSubcommand(new AdminCommands.PrintToken(loaders));
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    cli.setOut(out);
    cli.setErr(err);
    cli.setParameterExceptionHandler(
        (e, a) -> {
          CommandLine failed = e.getCommandLine();
          failed.getErr().println(e.getMessage());
          failed.getErr().println("Try '" + failed.getCommandSpec().qualifiedName() + " --help'.");
          return ExitCodes.USAGE;
        });
    cli.setExecutionExceptionHandler(this::failed);
    int code = cli.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  /** Prints an error as one line per problem and maps it to an exit code. */
  private int failed(Exception e, CommandLine command, ParseResult parsed) {
    PrintWriter err = command.getErr();
    if (e instanceof CliException cli) {
      err.println(cli.getMessage());
      return cli.exitCode();
    }
    if (e instanceof ConfigValidationException config) {
      config.problems().forEach(err::println);
      return ExitCodes.USAGE;
    }
    String message = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
    String line = "error: " + message.lines().findFirst().orElse(message);
    if (verbose) {
      err.println(line);
      e.printStackTrace(err);
    } else {
      err.println(line + " (--verbose shows the stack trace)");
    }
    return ExitCodes.FAILURE;
  }

  /** The version from the jar's manifest, when there is one. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = DynamoCli.class.getPackage().getImplementationVersion();
      return new String[] {"dynamo-kv " + (v == null ? "(development build)" : v)};
    }
  }
}
