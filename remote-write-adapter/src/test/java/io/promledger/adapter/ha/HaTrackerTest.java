package io.promledger.adapter.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promledger.adapter.jobs.JobOptions;
import io.promledger.adapter.report.Report;
import io.promledger.adapter.report.ReportEngine;
import io.promledger.adapter.report.ReportRequest;
import io.promledger.adapter.rollup.RollupJob;
import io.promledger.adapter.rollup.TestDatabase;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HaTrackerTest {
  @TempDir static Path dir;
  static TestDatabase db;

  final MutableClock clock = new MutableClock(Instant.parse("2026-09-01T10:00:00Z"));

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
  }

  static final class MutableClock extends Clock {
    Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  HaTracker tracker(DataSource ds) {
    return HaTracker.create(ds, new HaOptions(), clock);
  }

  @Test
  void failoverInTheMiddleOfAnHourBillsThePairOnce() throws Exception {
    HaTracker ha = tracker(db.database().dataSource());
    // What ingest stores: the series without its replica label.
    long series = db.series("default", "requests_total", "cluster", "eu1", "job", "api");
    Instant hour = clock.now;
    int droppedB = 0;
    int storedA = 0;
    int storedB = 0;
    Instant firstB = null;
    // A scrapes at :00 and :30, B at :15 and :45; the counter grows by 10 a second.
    // A stops at 10:30; the lease times out 30 s after A's last renewal.
    for (int s = 0; s < 3600; s += 15) {
      clock.now = hour.plusSeconds(s);
      boolean fromA = s % 30 == 0;
      if (fromA && s >= 1800) {
        continue;
      }
      String replica = fromA ? "a" : "b";
      if (ha.accept("default", "eu1", replica)) {
        db.sample(series, clock.now, 10.0 * s);
        if (fromA) {
          storedA++;
        } else {
          storedB++;
          firstB = firstB == null ? clock.now : firstB;
        }
      } else {
        assertFalse(fromA, "the elected replica is never dropped");
        droppedB++;
      }
    }
    // A's last renewal was at 10:29:30; B takes over at its first scrape after 10:30:00.
    assertEquals(Instant.parse("2026-09-01T10:30:15Z"), firstB);
    assertEquals(60, storedA);
    assertEquals(120, droppedB + storedB);
    assertEquals(60, droppedB);
    try (Connection c = db.connection(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT replica, leader_since FROM ha_leases WHERE tenant = 'default' AND cluster = 'eu1'")) {
      assertTrue(rs.next());
      assertEquals("b", rs.getString(1));
    }
    new RollupJob(db.database().dataSource(), Duration.ZERO, Duration.ofMinutes(5), null).runOnce(hour.plusSeconds(7200));
    Report r = new ReportEngine(db.database().dataSource(), new JobOptions()).compute(
        ReportRequest.of("default", "2026-09-01T10:00:00Z", "2026-09-01T11:00:00Z", "UTC", "range",
            List.of("increase:requests_total{cluster=\"eu1\"}"), List.of(), "csv", null),
        hour.plus(Duration.ofDays(10)));
    // first stored sample 0 (A at 10:00:00), last 35850 (B at 10:59:45), one series, no reset
    assertEquals(1, r.rows().size());
    assertEquals("35850", r.rows().get(0).value().toPlainString());
  }

  @Test
  void theDatabaseIsAskedAboutOncePerSecondPerReplica() throws Exception {
    AtomicInteger connections = new AtomicInteger();
    DataSource real = db.database().dataSource();
    DataSource counting = (DataSource) Proxy.newProxyInstance(
        DataSource.class.getClassLoader(), new Class<?>[] {DataSource.class}, (p, m, args) -> {
          if (m.getName().equals("getConnection")) {
            connections.incrementAndGet();
          }
          return m.invoke(real, args);
        });
    HaTracker ha = tracker(counting);
    for (int ms = 0; ms < 3000; ms += 1) {
      clock.now = Instant.parse("2026-09-01T10:00:00Z").plusMillis(ms);
      assertTrue(ha.accept("t", "c", "r1"));
      assertFalse(ha.accept("t", "c", "r2"));
    }
    // three seconds, two replicas
    assertEquals(6, connections.get());
  }

  @Test
  void badLabelConfigurationIsRefused() {
    HaOptions o = new HaOptions();
    o.replicaLabel = "cluster";
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HaTracker.create(null, o));
    assertEquals("--ha.cluster-label and --ha.replica-label must differ", e.getMessage());
    o.replicaLabel = "bad-name";
    assertThrows(IllegalArgumentException.class, () -> HaTracker.create(null, o));
  }
}
