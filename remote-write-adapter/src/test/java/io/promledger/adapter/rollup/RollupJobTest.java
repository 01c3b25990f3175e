package io.promledger.adapter.rollup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RollupJobTest {
  @TempDir static Path dir;
  static TestDatabase db;
  static final Duration GAP = Duration.ofMinutes(5);
  static final Instant T0 = Instant.parse("2026-10-01T00:00:00Z");

  RollupJob job;

  @BeforeAll
  static void start() {
    db = TestDatabase.start(dir);
  }

  @AfterAll
  static void stop() {
    db.close();
  }

  @BeforeEach
  void clean() throws Exception {
    db.reset();
    job = new RollupJob(db.database().dataSource(), Duration.ZERO, GAP, null);
  }

  static BigDecimal d(String s) {
    return new BigDecimal(s);
  }

  /** Usage per step of one series, merged from one level. */
  StepUsage[] usage(Resolution level, long series, Instant... bounds) throws Exception {
    try (Connection c = db.connection()) {
      Map<Long, List<BucketRow>> rows = RollupStore.rows(c, level, new long[] {series}, bounds[0], bounds[bounds.length - 1]);
      Map<Long, BucketRow> prev = RollupStore.previousRows(c, new long[] {series}, bounds[0]);
      return SeriesWalker.walk(bounds, GAP, prev.get(series), false, rows.getOrDefault(series, List.of()));
    }
  }

  @Test
  void counterResetInsideOneBucketCountsTheValueAfterTheReset() throws Exception {
    long s = db.series("default", "requests_total");
    db.batch()
        .sample(s, T0.plusSeconds(10), 100)
        .sample(s, T0.plusSeconds(70), 350)
        .sample(s, T0.plusSeconds(130), 50)
        .sample(s, T0.plusSeconds(190), 80)
        .commit();
    job.runOnce(T0.plus(Duration.ofDays(1)).plusSeconds(1));
    StepUsage[] u = usage(Resolution.FIVE_MINUTES, s, T0, T0.plus(Duration.ofDays(1)));
    // 250 + 50 + 30
    assertEquals(0, d("330").compareTo(u[0].increase()));
    assertEquals(1, u[0].resets());
    for (Resolution level : Resolution.values()) {
      assertEquals(0, d("330").compareTo(usage(level, s, T0, T0.plus(Duration.ofDays(1)))[0].increase()), level.label());
    }
  }

  @Test
  void resetsAtBucketBoundariesBelongToTheLaterSample() throws Exception {
    long s = db.series("default", "bytes_total");
    // 00:04:59 = 100 | 00:05:00 = 30 (reset at the boundary) | 00:09:59 = 40 | 00:10:00 = 5 (reset)
    // 00:59:59 = 60 | 01:00:00 = 10 (reset at the hour)
    db.batch()
        .sample(s, T0.plusSeconds(299), 100)
        .sample(s, T0.plusSeconds(300), 30)
        .sample(s, T0.plusSeconds(599), 40)
        .sample(s, T0.plusSeconds(600), 5)
        .sample(s, T0.plusSeconds(3599), 60)
        .sample(s, T0.plusSeconds(3600), 10)
        .commit();
    job.runOnce(T0.plus(Duration.ofDays(1)).plusSeconds(1));
    Instant[] hours = {T0, T0.plusSeconds(3600), T0.plusSeconds(7200)};
    for (Resolution level : new Resolution[] {Resolution.FIVE_MINUTES, Resolution.HOUR}) {
      StepUsage[] u = usage(level, s, hours);
      // hour 0: 30 (reset) + 10 + 5 (reset) + 55 = 100; hour 1: 10 (reset)
      assertEquals(0, d("100").compareTo(u[0].increase()), level.label());
      assertEquals(2, u[0].resets(), level.label());
      assertEquals(0, d("10").compareTo(u[1].increase()), level.label());
      assertEquals(1, u[1].resets(), level.label());
    }
    StepUsage[] fiveMinutes =
        usage(Resolution.FIVE_MINUTES, s, T0, T0.plusSeconds(300), T0.plusSeconds(600), T0.plusSeconds(900));
    assertEquals(0, d("0").compareTo(fiveMinutes[0].increase()));
    assertEquals(0, d("40").compareTo(fiveMinutes[1].increase()));
    assertEquals(0, d("5").compareTo(fiveMinutes[2].increase()));
  }

  @Test
  void startTimestampMarksAResetEvenWhenTheValueGrew() throws Exception {
    long s = db.series("default", "jobs_total");
    db.batch()
        .sample(s, T0.plusSeconds(60), 10)
        .sample(s, T0.plusSeconds(120), 20)
        .start(s, T0.plusSeconds(150), T0.plusSeconds(180))
        .sample(s, T0.plusSeconds(180), 25) // restarted at 150 s: 25 since then
        .sample(s, T0.plusSeconds(240), 27)
        .start(s, T0.plusSeconds(400), T0.plusSeconds(420))
        .sample(s, T0.plusSeconds(420), 30) // restarted again, at the next bucket's first sample
        .commit();
    job.runOnce(T0.plus(Duration.ofDays(1)).plusSeconds(1));
    for (Resolution level : Resolution.values()) {
      StepUsage u = usage(level, s, T0, T0.plus(Duration.ofDays(1)))[0];
      // 10 + 25 (reset) + 2 + 30 (reset)
      assertEquals(0, d("67").compareTo(u.increase()), level.label());
      assertEquals(2, u.resets(), level.label());
    }
  }

  @Test
  void nanInfinityAndStalenessNeverEnterAnAggregate() throws Exception {
    long s = db.series("default", "memory_bytes");
    db.batch()
        .sample(s, T0, 10)
        .sample(s, T0.plusSeconds(60), Double.NaN)
        .sample(s, T0.plusSeconds(120), Double.POSITIVE_INFINITY)
        .sample(s, T0.plusSeconds(180), 30)
        .end(s, T0.plusSeconds(200))
        .sample(s, T0.plusSeconds(600), 20)
        .commit();
    job.runOnce(T0.plus(Duration.ofDays(1)).plusSeconds(1));
    try (Connection c = db.connection()) {
      BucketRow r = RollupStore.rows(c, Resolution.FIVE_MINUTES, new long[] {s}, T0, T0.plusSeconds(300)).get(s).get(0);
      assertEquals(2, r.count());
      assertEquals(0, d("40").compareTo(r.sum()));
      assertEquals(10.0, r.min());
      assertEquals(30.0, r.max());
      assertEquals(T0.plusSeconds(200), r.endAfterLast());
      assertNull(r.endBeforeFirst());
      // 10 held for 180 s (the NaN and +Inf are not values), 30 held 20 s until the series ended
      assertEquals(0, d("2400").compareTo(r.integral()));
    }
    StepUsage u = usage(Resolution.HOUR, s, T0, T0.plusSeconds(3600))[0];
    assertEquals(3, u.count());
    assertEquals(0, d("60").compareTo(u.sum()));
    // 1800 + 600, then 20 for the 5-minute maximum gap
    assertEquals(0, d("8400").compareTo(u.integralSeconds()));
  }

  @Test
  void lateSampleForABucketRolledUpAnHourEarlierIsRecomputed() throws Exception {
    long s = db.series("default", "late_total");
    db.batch().sample(s, T0.plusSeconds(60), 10).sample(s, T0.plusSeconds(600), 20).sample(s, T0.plusSeconds(4000), 50).commit();
    Instant firstRun = T0.plusSeconds(7200);
    job.runOnce(firstRun);
    assertEquals(0, d("40").compareTo(usage(Resolution.HOUR, s, T0, T0.plusSeconds(7200))[0].increase()));
    // an hour later, a sample for 00:01:30 arrives (a reset between 10 and 20 that was missed)
    db.sample(s, T0.plusSeconds(90), 2);
    assertEquals(3, db.count("SELECT count(*) FROM rollup_dirty"));
    job.runOnce(firstRun.plusSeconds(3600));
    // the day is not complete yet: its bucket is computed once, when it is
    assertEquals(0, db.count("SELECT count(*) FROM rollup_dirty WHERE resolution < 86400"));
    assertEquals(0, db.count("SELECT count(*) FROM rollup_1d"));
    job.runOnce(T0.plus(Duration.ofDays(1)).plusSeconds(1));
    assertEquals(0, db.count("SELECT count(*) FROM rollup_dirty"));
    // 10 -> 2 is a reset (2), 2 -> 20 (+18), 20 -> 50 (+30)
    for (Resolution level : Resolution.values()) {
      assertEquals(0, d("50").compareTo(usage(level, s, T0, T0.plus(Duration.ofDays(1)))[0].increase()), level.label());
    }
    assertEquals(1, usage(Resolution.FIVE_MINUTES, s, T0, T0.plusSeconds(300))[0].resets());
  }

  @Test
  void everySampleSentTwiceIsCountedOnce() throws Exception {
    long s = db.series("default", "dup_total");
    for (int round = 0; round < 2; round++) {
      db.batch().sample(s, T0.plusSeconds(10), 1).sample(s, T0.plusSeconds(400), 4).sample(s, T0.plusSeconds(900), 9).commit();
      job.runOnce(T0.plusSeconds(7200 + round));
    }
    assertEquals(3, db.count("SELECT count(*) FROM samples"));
    assertEquals(0, d("8").compareTo(usage(Resolution.FIVE_MINUTES, s, T0, T0.plusSeconds(3600))[0].increase()));
  }

  @Test
  void p95OverManyBucketsComesFromTheMergedSketchNotFromBucketP95s() throws Exception {
    long s = db.series("default", "latency_ms");
    TestDatabase.Batch batch = db.batch();
    // bucket A: 950 x 10 ms and 50 x 200 ms; bucket B: 20 x 900 ms (values in ms)
    for (int i = 0; i < 1000; i++) {
      batch.sample(s, T0.plusMillis(i * 250L), i < 950 ? 10 : 200);
    }
    for (int i = 0; i < 20; i++) {
      batch.sample(s, T0.plusSeconds(300).plusSeconds(i * 10L), 900);
    }
    batch.commit();
    job.runOnce(T0.plusSeconds(7200));
    StepUsage[] perBucket = usage(Resolution.FIVE_MINUTES, s, T0, T0.plusSeconds(300), T0.plusSeconds(600));
    assertEquals(10.0, perBucket[0].quantile(0.95)); // exact: 950th of 1000
    assertEquals(900.0, perBucket[1].quantile(0.95));
    StepUsage both = usage(Resolution.FIVE_MINUTES, s, T0, T0.plusSeconds(600))[0];
    // the 969th of 1020 values is 200; the average of bucket p95s would say 455, their max 900
    double p95 = both.quantile(0.95);
    assertTrue(Math.abs(p95 - 200) <= 200 * Sketch.ALPHA, "p95 " + p95);
    assertTrue(both.quantileIsApproximate(0.95));
  }

  @Test
  void sketchQuantilesStayWithinOnePercentOfTheNearestRank() throws Exception {
    long s = db.series("default", "payload_bytes");
    Random random = new Random(7);
    List<Double> values = new ArrayList<>();
    TestDatabase.Batch batch = db.batch();
    for (int i = 0; i < 3000; i++) {
      double v = Math.exp(random.nextGaussian() * 3);
      values.add(v);
      batch.sample(s, T0.plusSeconds(i), v);
    }
    batch.commit();
    job.runOnce(T0.plus(Duration.ofDays(1)).plusSeconds(1));
    values.sort(null);
    StepUsage day = usage(Resolution.FIVE_MINUTES, s, T0, T0.plus(Duration.ofDays(1)))[0];
    for (double q : new double[] {0.01, 0.5, 0.9, 0.95, 0.99, 1.0}) {
      double exact = values.get((int) Math.ceil(q * values.size()) - 1);
      double approx = day.quantile(q);
      assertTrue(Math.abs(approx - exact) <= exact * Sketch.ALPHA, "q=" + q + " exact=" + exact + " sketch=" + approx);
    }
    // within one bucket the stored p95 is exact (nearest rank over its own raw samples)
    List<Double> firstBucket = new ArrayList<>(values.subList(0, 0));
    Random again = new Random(7);
    for (int i = 0; i < 300; i++) {
      firstBucket.add(Math.exp(again.nextGaussian() * 3));
    }
    firstBucket.sort(null);
    StepUsage one = usage(Resolution.FIVE_MINUTES, s, T0, T0.plusSeconds(300))[0];
    assertEquals(firstBucket.get(284), one.quantile(0.95));
  }

  @Test
  void usageAggregatesViewGivesAvgMaxAndP95PerFiveMinutes() throws Exception {
    long a = db.series("default", "cpu_usage", "pod", "a");
    long b = db.series("default", "cpu_usage", "pod", "b");
    db.batch()
        .sample(a, T0.plusSeconds(10), 1).sample(a, T0.plusSeconds(20), 2).sample(a, T0.plusSeconds(30), 3)
        .sample(b, T0.plusSeconds(40), 10)
        .sample(a, T0.plusSeconds(310), 5).sample(a, T0.plusSeconds(320), 7).sample(a, T0.plusSeconds(330), 6)
        .commit();
    job.runOnce(T0.plus(Duration.ofDays(1)).plusSeconds(1));
    try (Connection c = db.connection();
        java.sql.Statement st = c.createStatement();
        java.sql.ResultSet rs = st.executeQuery(
            "SELECT bucket, avg_usage, max_usage, p95_usage FROM usage_aggregates WHERE resource_type = 'cpu_usage' ORDER BY bucket")) {
      assertTrue(rs.next());
      assertEquals(4.0, rs.getDouble(2)); // (1 + 2 + 3 + 10) / 4
      assertEquals(10.0, rs.getDouble(3));
      // two series: from the merged sketch, within 1% of the nearest-rank 10
      assertTrue(Math.abs(rs.getDouble(4) - 10) <= 0.1, "p95 " + rs.getDouble(4));
      assertTrue(rs.next());
      assertEquals(6.0, rs.getDouble(2));
      assertEquals(7.0, rs.getDouble(3));
      assertEquals(7.0, rs.getDouble(4)); // one series: exact, the 3rd of 3
      assertTrue(!rs.next());
    }
  }
}
