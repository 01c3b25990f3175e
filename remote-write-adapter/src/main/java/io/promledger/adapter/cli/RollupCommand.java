package io.promledger.adapter.cli;

import io.promledger.adapter.config.DatabaseOptions;
import io.promledger.adapter.jobs.BackgroundJobs;
import io.promledger.adapter.jobs.JobOptions;
import io.promledger.adapter.rollup.RollupJob;
import io.promledger.adapter.storage.Database;
import java.sql.Connection;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Brings the rollups up to date, or recomputes a range on demand. */
@Command(
    name = "rollup",
    mixinStandardHelpOptions = true,
    description = {
      "Recompute the 5m, 1h and 1d rollups of a range (--from/--to, widened to whole UTC days),",
      "or without a range run the scheduled rollup once. Waits while 'serve' runs its jobs."
    })
final class RollupCommand implements Callable<Integer> {
  @Mixin DatabaseOptions db;
  @Mixin JobOptions jobs;

  @Option(names = "--config.file", paramLabel = "FILE", description = "YAML file with flag values.")
  String configFile;

  @Option(names = "--log.level", paramLabel = "LEVEL", defaultValue = "info", description = "debug, info, warn or error (default: ${DEFAULT-VALUE}).")
  String logLevel;

  @Option(names = "--from", paramLabel = "TIME", description = "Start of the range: 2026-03-01 (UTC) or RFC 3339.")
  String from;

  @Option(names = "--to", paramLabel = "TIME", description = "End of the range (exclusive).")
  String to;

  @Override
  public Integer call() throws Exception {
    Main.setLogLevel(logLevel);
    if ((from == null) != (to == null)) {
      throw new Main.UserError("give both --from and --to, or neither to run the scheduled rollup once");
    }
    Instant start = from == null ? null : parse(from, "--from");
    Instant end = to == null ? null : parse(to, "--to");
    if (start != null && !start.isBefore(end)) {
      throw new Main.UserError("--from must be before --to");
    }
    try (Database database = ReportCommand.openMigrated(db)) {
      RollupJob job = new RollupJob(database.dataSource(), jobs.delay, jobs.gaugeMaxGap, null);
      try (Connection lock = database.dataSource().getConnection()) {
        BackgroundJobs.lock(lock);
        try {
          if (start == null) {
            RollupJob.RunResult r = job.runOnce(Instant.now());
            System.out.println("watermark " + r.watermark() + " buckets " + r.rangeRows() + " dirty " + r.dirtyBuckets());
          } else {
            int rows;
            try {
              rows = job.recompute(start, end, (level, until, done, total, n) ->
                  System.err.printf("%3d%% %s until %s (%d rows)%n", done * 100 / total, level.label(), until, n));
            } catch (IllegalArgumentException e) {
              throw new Main.UserError(e.getMessage());
            }
            System.out.println("recomputed " + rows + " buckets from " + start + " to " + end);
          }
        } finally {
          BackgroundJobs.unlock(lock);
        }
      }
      return 0;
    }
  }

  private static Instant parse(String s, String flag) {
    try {
      if (s.matches("\\d{4}-\\d{2}-\\d{2}")) {
        return java.time.LocalDate.parse(s).atStartOfDay(ZoneOffset.UTC).toInstant();
      }
      return java.time.OffsetDateTime.parse(s).toInstant();
    } catch (java.time.DateTimeException e) {
      throw new Main.UserError(flag + " '" + s + "' is not a time; use 2026-03-01 or 2026-03-01T00:00:00Z");
    }
  }
}
