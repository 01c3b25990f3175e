package io.promledger.adapter.cli;

import io.promledger.adapter.config.DatabaseOptions;
import io.promledger.adapter.storage.Database;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Applies the schema migrations and creates the sample partitions, then exits. */
@Command(
    name = "migrate",
    mixinStandardHelpOptions = true,
    description = "Apply the database migrations (also done by 'serve' at start) and exit.")
final class MigrateCommand implements Callable<Integer> {
  @Mixin DatabaseOptions db;

  @Option(names = "--config.file", paramLabel = "FILE", description = "YAML file with flag values.")
  String configFile;

  @Option(names = "--log.level", paramLabel = "LEVEL", defaultValue = "info", description = "debug, info, warn or error (default: ${DEFAULT-VALUE}).")
  String logLevel;

  @Option(
      names = "--retention.raw",
      paramLabel = "DURATION",
      defaultValue = "7d",
      converter = io.promledger.adapter.config.PromDuration.Converter.class,
      description = "Raw sample retention; partitions are created for this window (default: ${DEFAULT-VALUE}).")
  java.time.Duration rawRetention;

  @Override
  public Integer call() throws Exception {
    Main.setLogLevel(logLevel);
    try (Database database = Database.open(db)) {
      if (!database.isReachable()) {
        throw new Main.UserError("cannot reach PostgreSQL at " + database.displayUrl() + "; check --db.url and that the server is running");
      }
      var result = database.migrate();
      int created = database.ensurePartitions(io.promledger.adapter.storage.StorageMaintenance.daysBack(rawRetention), 3);
      System.out.println("schema " + database.schema() + " at version " + result.targetSchemaVersion
          + " (" + result.migrationsExecuted + " migrations applied, " + created + " partitions created)");
      return 0;
    }
  }
}
