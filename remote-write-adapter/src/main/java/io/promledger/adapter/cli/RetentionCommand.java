package io.promledger.adapter.cli;

import io.promledger.adapter.config.DatabaseOptions;
import io.promledger.adapter.config.RetentionOptions;
import io.promledger.adapter.jobs.BackgroundJobs;
import io.promledger.adapter.jobs.JobOptions;
import io.promledger.adapter.retention.RetentionJob;
import io.promledger.adapter.retention.RetentionPolicy;
import io.promledger.adapter.storage.Database;
import java.sql.Connection;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Runs retention once. */
@Command(
    name = "retention",
    mixinStandardHelpOptions = true,
    description = "Remove data older than its retention, keeping whatever rollups still need, and exit.")
final class RetentionCommand implements Callable<Integer> {
  @Mixin DatabaseOptions db;
  @Mixin RetentionOptions retention;
  @Mixin JobOptions jobs;

  @Option(names = "--config.file", paramLabel = "FILE", description = "YAML file with flag values.")
  String configFile;

  @Option(names = "--log.level", paramLabel = "LEVEL", defaultValue = "info", description = "debug, info, warn or error (default: ${DEFAULT-VALUE}).")
  String logLevel;

  @Override
  public Integer call() throws Exception {
    Main.setLogLevel(logLevel);
    RetentionPolicy policy;
    try {
      policy = RetentionPolicy.of(retention, jobs.lateDataHorizon);
    } catch (IllegalArgumentException e) {
      throw new Main.UserError(e.getMessage());
    }
    try (Database database = ReportCommand.openMigrated(db)) {
      try (Connection lock = database.dataSource().getConnection()) {
        BackgroundJobs.lock(lock);
        try {
          RetentionJob.Result r = new RetentionJob(database.dataSource(), policy, null).runOnce(Instant.now());
          System.out.println("dropped " + r.droppedPartitions() + " raw partitions (" + r.rawRows() + " samples), removed "
              + r.rollupRows() + " rollup rows");
          r.keptBecause().forEach(k -> System.out.println("kept " + k));
        } finally {
          BackgroundJobs.unlock(lock);
        }
      }
      return 0;
    }
  }
}
