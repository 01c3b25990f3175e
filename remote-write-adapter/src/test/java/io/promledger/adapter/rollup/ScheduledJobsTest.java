package io.promledger.adapter.rollup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.promledger.adapter.config.RetentionOptions;
import io.promledger.adapter.jobs.BackgroundJobs;
import io.promledger.adapter.jobs.JobOptions;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScheduledJobsTest {
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

  static RetentionOptions retention() {
    RetentionOptions r = new RetentionOptions();
    r.raw = Duration.ofDays(7);
    r.fiveMinutes = Duration.ofDays(30);
    r.hourly = Duration.ofDays(90);
    r.daily = Duration.ofDays(365);
    return r;
  }

  @Test
  void onlyTheReplicaHoldingTheLockRunsTheJobsAndTheyReportMetrics() throws Exception {
    long s = db.series("default", "ticks_total");
    Instant t = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(2));
    db.batch().sample(s, t, 1).sample(s, t.plusSeconds(60), 3).commit();
    JobOptions options = new JobOptions();
    options.interval = Duration.ofMillis(200);
    PrometheusRegistry registry = new PrometheusRegistry();
    try (Connection other = db.connection()) {
      // another replica is running the jobs
      BackgroundJobs.lock(other);
      try (BackgroundJobs jobs = BackgroundJobs.start(db.database(), registry, options, retention())) {
        Thread.sleep(1500);
        assertEquals(0, db.count("SELECT count(*) FROM rollup_5m"));
        BackgroundJobs.unlock(other);
        long deadline = System.currentTimeMillis() + 30_000;
        while (db.count("SELECT count(*) FROM rollup_1h") == 0 && System.currentTimeMillis() < deadline) {
          Thread.sleep(100);
        }
      }
    }
    assertEquals(1, db.count("SELECT count(*) FROM rollup_1h"));
    double lastSuccess = gauge(registry, "promledger_rollup_last_success_timestamp_seconds", "rollup");
    assertTrue(Math.abs(lastSuccess - System.currentTimeMillis() / 1000.0) < 60, "last success " + lastSuccess);
    double lag = gauge(registry, "promledger_rollup_lag_seconds", "5m");
    assertTrue(lag >= 60 && lag < 60 + 300 + 60, "5m lag " + lag);
  }

  @Test
  void aConfigurationThatWouldDropNeededDataIsRefusedAtStart() {
    JobOptions options = new JobOptions();
    options.lateDataHorizon = Duration.ofDays(7);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> BackgroundJobs.start(db.database(), new PrometheusRegistry(), options, retention()));
    assertTrue(e.getMessage().startsWith("--retention.raw=7d would drop raw samples that rollups still need"), e.getMessage());
  }

  private static double gauge(PrometheusRegistry registry, String name, String label) {
    for (MetricSnapshot m : registry.scrape()) {
      if (m.getMetadata().getPrometheusName().equals(name)) {
        for (GaugeSnapshot.GaugeDataPointSnapshot p : ((GaugeSnapshot) m).getDataPoints()) {
          if (p.getLabels().toString().contains("\"" + label + "\"")) {
            return p.getValue();
          }
        }
      }
    }
    throw new AssertionError(name + " not found");
  }
}
