package io.promledger.adapter.cli;

import io.promledger.adapter.config.DatabaseOptions;
import io.promledger.adapter.jobs.JobOptions;
import io.promledger.adapter.report.Report;
import io.promledger.adapter.report.ReportEngine;
import io.promledger.adapter.report.ReportFailure;
import io.promledger.adapter.report.ReportLimits;
import io.promledger.adapter.report.ReportRequest;
import io.promledger.adapter.report.ReportRuns;
import io.promledger.adapter.report.ReportWriter;
import io.promledger.adapter.storage.Database;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Prints a usage report computed from the rollups and records the run. A request that is wrong
 * or asks for more than the limits allow exits with 2 and one line {@code error: ...}; a database
 * that cannot be reached or fails exits with 1.
 */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    description = {
      "Print a usage report (CSV or JSON) from the rollups and record the run for audit.",
      "Example: report --from 2026-03 --to 2026-04 --zone Europe/Berlin --step day \\",
      "  --meter 'increase:http_requests_total{job=\"api\"}' --group-by namespace"
    })
final class ReportCommand implements Callable<Integer> {
  @Mixin DatabaseOptions db;
  @Mixin JobOptions jobs;
  @Spec CommandSpec spec;

  @Option(names = "--config.file", paramLabel = "FILE", description = "YAML file with flag values.")
  String configFile;

  @Option(names = "--log.level", paramLabel = "LEVEL", defaultValue = "warn", description = "debug, info, warn or error (default: ${DEFAULT-VALUE}).")
  String logLevel;

  @Option(names = "--tenant", defaultValue = "default", description = "Tenant (default: ${DEFAULT-VALUE}).")
  String tenant;

  @Option(names = "--from", required = true, paramLabel = "TIME", description = "Start: 2026-03, 2026-03-29 (in --zone), RFC 3339 or Unix seconds.")
  String from;

  @Option(names = "--to", required = true, paramLabel = "TIME", description = "End (exclusive), same forms as --from.")
  String to;

  @Option(names = "--zone", defaultValue = "UTC", paramLabel = "ZONE", description = "IANA time zone of dates, days and months (default: ${DEFAULT-VALUE}).")
  String zone;

  @Option(names = "--step", defaultValue = "range", description = "hour, day, month or range (default: ${DEFAULT-VALUE}).")
  String step;

  @Option(names = "--meter", required = true, paramLabel = "AGG:SELECTOR",
      description = "What to measure, e.g. increase:http_requests_total{job=\"api\"}, integral:memory_bytes, p95:latency_seconds (repeatable).")
  List<String> meters = new ArrayList<>();

  @Option(names = "--group-by", split = ",", paramLabel = "LABEL", description = "Label names to group by (repeatable or comma-separated).")
  List<String> groupBy = new ArrayList<>();

  @Option(names = "--format", defaultValue = "csv", description = "csv or json (default: ${DEFAULT-VALUE}).")
  String format;

  @Option(names = "--level", defaultValue = "auto", description = "Rollup level to read: auto, 5m, 1h or 1d (default: ${DEFAULT-VALUE}).")
  String level;

  @Option(names = "--output", paramLabel = "FILE", description = "Write the report to this file instead of standard output.")
  Path output;

  @Option(names = "--report.max-steps", paramLabel = "N", defaultValue = "" + ReportLimits.DEFAULT_MAX_STEPS,
      description = "Refuse reports with more steps than this (default: ${DEFAULT-VALUE}).")
  int maxSteps;

  @Option(names = "--report.max-rows", paramLabel = "N", defaultValue = "" + ReportLimits.DEFAULT_MAX_ROWS,
      description = "Refuse reports with more rows (steps x groups x meters) than this (default: ${DEFAULT-VALUE}).")
  long maxRows;

  /** Opens the database, fails with one line when it cannot be reached, and migrates it. */
  static Database openMigrated(DatabaseOptions options) {
    Database database = Database.open(options);
    if (!database.isReachable()) {
      database.close();
      throw new Main.UserError(
          "cannot reach PostgreSQL at " + database.displayUrl() + "; check --db.url and that the server is running");
    }
    database.migrate();
    return database;
  }

  @Override
  public Integer call() throws Exception {
    Main.setLogLevel(logLevel);
    ReportRequest request;
    ReportLimits limits;
    try {
      request = ReportRequest.of(tenant, from, to, zone, step, meters, groupBy, format, level);
      limits = new ReportLimits(maxSteps, maxRows);
    } catch (IllegalArgumentException e) {
      return refuse(e);
    }
    try (Database database = ReportCommand.openMigrated(db)) {
      Report report;
      try {
        report = new ReportEngine(database.dataSource(), jobs, limits).compute(request, Instant.now());
      } catch (IllegalArgumentException e) {
        return refuse(e);
      } catch (SQLException e) {
        if (ReportFailure.of(e) == ReportFailure.UNAVAILABLE) {
          throw new Main.UserError("database unavailable: " + ReportFailure.oneLine(e));
        }
        throw e;
      }
      byte[] body = ReportWriter.render(report);
      ReportRuns.Run run = ReportRuns.record(database.dataSource(), report, body, jobs.pricingFile);
      if (output != null) {
        Files.write(output, body);
      } else {
        PrintStream out = System.out;
        out.write(body);
        out.flush();
      }
      System.err.println("report run " + run.id() + " status=" + report.status() + " levels=" + String.join(",", report.levels())
          + " rows=" + report.rows().size() + " sha256=" + run.sha256());
      return 0;
    }
  }

  /** The user's input is wrong: one line, exit code 2. */
  private int refuse(IllegalArgumentException e) {
    spec.commandLine().getErr().println("error: " + ReportFailure.oneLine(e));
    return 2;
  }
}
