package io.promledger.adapter.cli;

import io.promledger.adapter.config.DatabaseOptions;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Runs the remote-write receiver (and the background jobs) until stopped. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = "Receive remote write on /api/v1/write and store it in PostgreSQL (the default command).")
final class ServeCommand implements Callable<Integer> {
  @Mixin DatabaseOptions db;

  @Option(names = "--config.file", paramLabel = "FILE", description = "YAML file with flag values.")
  String configFile;

  @Option(names = "--log.level", paramLabel = "LEVEL", defaultValue = "info", description = "debug, info, warn or error (default: ${DEFAULT-VALUE}).")
  String logLevel;

  @Override
  public Integer call() {
    Main.setLogLevel(logLevel);
    return 0;
  }
}
