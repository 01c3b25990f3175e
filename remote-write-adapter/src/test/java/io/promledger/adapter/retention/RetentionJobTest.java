package io.promledger.adapter.retention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.promledger.adapter.config.RetentionOptions;
import io.promledger.adapter.jobs.JobOptions;
import io.promledger.adapter.report.Report;
import io.promledger.adapter.report.ReportEngine;
import io.promledger.adapter.report.ReportRequest;
import io.promledger.adapter.rollup.RollupJob;
import io.promledger.adapter.rollup.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RetentionJobTest {
  @TempDir static Path dir;
  static TestDatabase db;

  @BeforeAll
  static void start() throws Exception {
    db = TestDatabase.start(dir);
    db.reset();
  }

  @AfterAll
  static void stop() {
    db.close();
  }

  static RetentionOptions options(String raw, String fiveMinutes, String hourly, String daily) {
    RetentionOptions o = new RetentionOptions();
    o.raw = io.promledger.adapter.config.PromDuration.parse(raw);
    o.fiveMinutes = io.promledger.adapter.config.PromDuration.parse(fiveMinutes);
    o.hourly = io.promledger.adapter.config.PromDuration.parse(hourly);
    o.daily = io.promledger.adapter.config.PromDuration.parse(daily);
    return o;
  }

  @Test
  void configurationsThatWouldDropNeededDataAreRefused() {
    Duration horizon = Duration.ofDays(2);
    RetentionPolicy.of(options("7d", "30d", "90d", "1y"), horizon);
    IllegalArgumentException raw =
        assertThrows(IllegalArgumentException.class, () -> RetentionPolicy.of(options("2d", "30d", "90d", "1y"), horizon));
    assertEquals(
        "--retention.raw=2d would drop raw samples that rollups still need: it must be at least --rollup.late-data-horizon"
            + " (2d) plus one day, i.e. 3d; raise --retention.raw or lower the horizon",
        raw.getMessage());
    IllegalArgumentException order =
        assertThrows(IllegalArgumentException.class, () -> RetentionPolicy.of(options("7d", "30d", "20d", "1y"), horizon));
    assertTrue(order.getMessage().startsWith("--retention.1h=20d is shorter than --retention.5m=30d"), order.getMessage());
  }

  @Test
  void rawDaysGoOnlyOnceEveryRollupIsFinalPastThem() throws Exception {
    long s = db.series("default", "requests_total");
    Instant d0 = Instant.parse("2026-04-01T00:00:00Z");
    TestDatabase.Batch b = db.batch();
    int v = 0;
    for (Instant t = d0; t.isBefore(d0.plus(Duration.ofDays(10))); t = t.plusSeconds(300)) {
      b.sample(s, t, v++);
    }
    b.commit();
    RollupJob rollup = new RollupJob(db.database().dataSource(), Duration.ZERO, Duration.ofMinutes(5), null);
    rollup.runOnce(d0.plus(Duration.ofDays(5)));
    List<String> before = dailyIncreases();

    RetentionMetrics metrics = new RetentionMetrics(new PrometheusRegistry());
    RetentionJob retention = new RetentionJob(
        db.database().dataSource(), RetentionPolicy.of(options("3d", "30d", "90d", "1y"), Duration.ofDays(1)), metrics);
    Instant now = Instant.parse("2026-04-11T00:00:00Z");
    // By age, 1..7 April may go; the rollups are only done up to 6 April 00:00.
    RetentionJob.Result r = retention.runOnce(now);
    assertEquals(5, r.droppedPartitions());
    assertEquals(5 * 288, r.rawRows());
    assertEquals(5.0, metrics.droppedPartitions.get());
    assertEquals(5 * 288.0, metrics.removedRows.labelValues("raw").get());
    assertEquals(5, db.count("SELECT count(*) FROM pg_inherits WHERE inhparent = 'samples'::regclass"));
    assertEquals(before.subList(0, 5), dailyIncreases().subList(0, 5));

    // A late sample for 7 April (below the watermark): that day stays until it is recomputed.
    rollup.runOnce(d0.plus(Duration.ofDays(8)));
    db.sample(s, Instant.parse("2026-04-07T12:00:30Z"), 0);
    assertEquals(1, retention.runOnce(now).droppedPartitions());
    assertEquals(1, db.count("SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        + " WHERE i.inhparent = 'samples'::regclass AND c.relname = 'samples_20260407'"));
    rollup.runOnce(d0.plus(Duration.ofDays(8)).plusSeconds(60));
    assertEquals(1, retention.runOnce(now).droppedPartitions());
    assertEquals(7.0, metrics.droppedPartitions.get());
    List<String> after = dailyIncreases();
    // the day with the late reset: 288 steps, the reset counts 0 and the next step counts the whole value
    int index = (int) Duration.between(d0, Instant.parse("2026-04-07T12:05:00Z")).toSeconds() / 300;
    assertEquals(Integer.toString(288 - 1 + index), after.get(6));
    assertEquals(before.subList(0, 5), after.subList(0, 5));
  }

  private List<String> dailyIncreases() throws Exception {
    Report r = new ReportEngine(db.database().dataSource(), new JobOptions()).compute(
        ReportRequest.of("default", "2026-04-01", "2026-04-08", "UTC", "day", List.of("increase:requests_total"),
            List.of(), "csv", "1d"),
        Instant.parse("2026-05-01T00:00:00Z"));
    return r.rows().stream().map(x -> x.value().toPlainString()).toList();
  }
}
