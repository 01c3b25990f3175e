package io.promledger.bench.rollup;

import io.promledger.adapter.config.DatabaseOptions;
import io.promledger.adapter.jobs.JobOptions;
import io.promledger.adapter.report.Report;
import io.promledger.adapter.report.ReportEngine;
import io.promledger.adapter.report.ReportRequest;
import io.promledger.adapter.rollup.RollupJob;
import io.promledger.adapter.storage.Database;
import io.promledger.embedded.EmbeddedDatabase;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * How long rollups take per million raw samples compared with loading those samples, and how a
 * monthly report's time grows when the data grows tenfold. Not a test: it prints figures.
 *
 * <p>Run: {@code mvn -q -B -pl benchmarks -am package -DskipTests} then {@code java -cp
 * benchmarks/target/promledger-benchmarks.jar io.promledger.bench.rollup.RollupBenchmark [key=value...]}.
 *
 * <p>Arguments (key=value): {@code series} and {@code samples} for the first part (default 1000
 * series x 1000 samples = 1 million), {@code report-series} for the smaller data set of the
 * second part (default 10; the larger one has ten times as many series, 5-minute samples for a
 * month each).
 */
public final class RollupBenchmark {
  private RollupBenchmark() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = new HashMap<>();
    for (String arg : args) {
      String[] kv = arg.split("=", 2);
      a.put(kv[0], kv.length > 1 ? kv[1] : "");
    }
    int series = Integer.parseInt(a.getOrDefault("series", "1000"));
    int samples = Integer.parseInt(a.getOrDefault("samples", "1000"));
    int reportSeries = Integer.parseInt(a.getOrDefault("report-series", "10"));
    Path dir = Files.createTempDirectory("promledger-rollup-bench");
    try (EmbeddedDatabase pg = EmbeddedDatabase.start(dir.resolve("db"))) {
      DatabaseOptions o = new DatabaseOptions();
      o.url = pg.jdbcUrl();
      o.schema = "promledger";
      o.poolSize = 4;
      o.connectTimeout = Duration.ofSeconds(10);
      try (Database db = Database.open(o)) {
        db.migrate();
        rollupVersusLoad(db, series, samples);
        reportGrowth(db, reportSeries);
      }
    } finally {
      deleteRecursively(dir);
    }
  }

  private static void rollupVersusLoad(Database db, int series, int samples) throws Exception {
    reset(db);
    Instant start = Instant.parse("2026-01-10T00:00:00Z");
    Duration step = Duration.ofSeconds(15);
    createSeries(db, series, 10);
    Instant end = start.plus(step.multipliedBy(samples));
    long loadNanos = load(db, series, start, end, step);
    long total = (long) series * samples;
    RollupJob job = new RollupJob(db.dataSource(), Duration.ZERO, Duration.ofMinutes(5), null);
    long t0 = System.nanoTime();
    job.runOnce(Resolution.dayAfter(end));
    long rollupNanos = System.nanoTime() - t0;
    double perMillionLoad = loadNanos / 1e9 / (total / 1e6);
    double perMillionRollup = rollupNanos / 1e9 / (total / 1e6);
    System.out.printf("raw samples: %d (%d series x %d, every %ds)%n", total, series, samples, step.toSeconds());
    System.out.printf("load (text COPY into samples, PK and partitions as in production): %.2f s per million samples%n", perMillionLoad);
    System.out.printf("rollup of 5m + 1h + 1d from scratch: %.2f s per million samples%n", perMillionRollup);
    System.out.printf("rollup time / load time: %.2f%n", perMillionRollup / perMillionLoad);
  }

  private static void reportGrowth(Database db, int small) throws Exception {
    double previous = 0;
    for (int n : new int[] {small, small * 10}) {
      reset(db);
      createSeries(db, n, 10);
      Instant from = Instant.parse("2025-12-31T00:00:00Z");
      Instant to = Instant.parse("2026-02-01T00:00:00Z");
      load(db, n, from, to, Duration.ofMinutes(5));
      long r0 = System.nanoTime();
      new RollupJob(db.dataSource(), Duration.ZERO, Duration.ofMinutes(5), null).runOnce(to.plus(Duration.ofDays(1)));
      long rollupMs = (System.nanoTime() - r0) / 1_000_000;
      ReportEngine engine = new ReportEngine(db.dataSource(), new JobOptions());
      long[] times = new long[3];
      int rows = 0;
      for (int i = 0; i < times.length; i++) {
        long t0 = System.nanoTime();
        Report r = engine.compute(
            ReportRequest.of("default", "2026-01", "2026-02", "Europe/Berlin", "day",
                List.of("increase:bench_requests_total"), List.of("team"), "csv", null),
            Instant.parse("2026-06-01T00:00:00Z"));
        times[i] = (System.nanoTime() - t0) / 1_000_000;
        rows = r.rows().size();
      }
      Arrays.sort(times);
      long samples = (long) n * Duration.between(from, to).toMinutes() / 5;
      System.out.printf(
          "monthly report, %d series (%d samples, %d rows out, 5m level): median %d ms (rollup of the month %d ms)%n",
          n, samples, rows, times[1], rollupMs);
      if (previous > 0) {
        System.out.printf("monthly report time for 10x the data: x%.1f%n", times[1] / previous);
      }
      previous = times[1];
    }
  }

  private static void reset(Database db) throws SQLException {
    try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
      s.execute("TRUNCATE samples, series, series_ends, series_starts, rollup_dirty, rollup_5m, rollup_1h, rollup_1d RESTART IDENTITY");
      s.execute("UPDATE rollup_state SET watermark = '-infinity'");
      s.execute("UPDATE rollup_progress SET done_until = '-infinity'");
    }
  }

  private static void createSeries(Database db, int n, int teams) throws SQLException {
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement(
            "INSERT INTO series (tenant, metric_name, labels, labels_hash)"
                + " SELECT 'default', 'bench_requests_total',"
                + " jsonb_build_object('instance', 'host-' || i, 'team', 'team-' || (i % ?)),"
                + " decode(md5('bench' || i), 'hex') FROM generate_series(1, ?) i")) {
      ps.setInt(1, teams);
      ps.setInt(2, n);
      ps.executeUpdate();
    }
  }

  /** Loads a counter per series (with a reset every ~500 samples) with COPY; returns the nanoseconds taken. */
  private static long load(Database db, int series, Instant from, Instant to, Duration step) throws SQLException, IOException {
    try (Connection c = db.dataSource().getConnection()) {
      try (PreparedStatement ps = c.prepareStatement("SELECT ensure_sample_partitions(?, ?)")) {
        LocalDate day = LocalDate.ofInstant(from, ZoneOffset.UTC);
        ps.setObject(1, day);
        ps.setInt(2, (int) Duration.between(from, to).toDays() + 2);
        ps.executeQuery().close();
      }
      CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
      Random random = new Random(1);
      double[] value = new double[series + 1];
      long nanos = 0;
      StringBuilder b = new StringBuilder();
      for (Instant t = from; t.isBefore(to); t = t.plus(step)) {
        String ts = t.toString();
        for (int s = 1; s <= series; s++) {
          value[s] = random.nextInt(500) == 0 ? 0 : value[s] + random.nextInt(100);
          b.append(s).append('\t').append(ts).append('\t').append(value[s]).append('\n');
        }
        if (b.length() > 8_000_000) {
          nanos += copy(copy, b);
        }
      }
      nanos += copy(copy, b);
      return nanos;
    }
  }

  private static long copy(CopyManager copy, StringBuilder b) throws SQLException, IOException {
    long t0 = System.nanoTime();
    try (Reader r = new StringReader(b.toString())) {
      copy.copyIn("COPY samples (series_id, ts, value) FROM STDIN", r);
    }
    b.setLength(0);
    return System.nanoTime() - t0;
  }

  private static void deleteRecursively(Path p) throws IOException {
    try (var walk = Files.walk(p)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }

  /** Small time helper kept local to the benchmark. */
  private static final class Resolution {
    static Instant dayAfter(Instant t) {
      return t.plus(Duration.ofDays(1));
    }
  }
}
