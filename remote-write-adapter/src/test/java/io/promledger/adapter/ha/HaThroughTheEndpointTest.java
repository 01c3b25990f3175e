package io.promledger.adapter.ha;

import static io.promledger.adapter.support.Payloads.sample;
import static io.promledger.adapter.support.Payloads.v1;
import static io.promledger.adapter.support.Payloads.v1Series;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.promledger.adapter.jobs.JobOptions;
import io.promledger.adapter.report.Report;
import io.promledger.adapter.report.ReportEngine;
import io.promledger.adapter.report.ReportRequest;
import io.promledger.adapter.rollup.TestDatabase;
import io.promledger.adapter.storage.Database;
import io.promledger.adapter.support.TestAdapter;
import io.promledger.proto.v1.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Two Prometheus replicas of one HA pair writing to the real endpoint, with a fail-over mid-hour. */
class HaThroughTheEndpointTest {
  static TestAdapter adapter;
  static Database database;
  static final Instant HOUR = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(3));

  @BeforeAll
  static void start() {
    adapter = TestAdapter.start("--ha.failover-timeout=2s", "--rollup.interval=1h");
    database = TestDatabase.open(adapter.jdbcUrl());
  }

  @AfterAll
  static void stop() {
    database.close();
    adapter.close();
  }

  /** What replica {@code replica} scraped in [from, to) seconds after the hour: 10 per second, every 30 s. */
  static int send(String replica, int offset, int from, int to) {
    Types.TimeSeries.Builder s =
        v1Series("__name__", "ha_requests_total", "cluster", "eu1", "__replica__", replica, "job", "api");
    int n = 0;
    for (int t = from + offset; t < to; t += 30, n++) {
      s.addSamples(sample(HOUR.plusSeconds(t).toEpochMilli(), 10.0 * t));
    }
    assertEquals(204, adapter.write(v1(s)).statusCode());
    return n;
  }

  @Test
  void failoverInTheMiddleOfAnHourBillsThePairOnce() throws Exception {
    // First half hour: both send, a is elected (it sends first), b's samples are dropped but acknowledged.
    int fromA = 0;
    int droppedB = 0;
    for (int minute = 0; minute < 30; minute += 10) {
      fromA += send("a", 0, minute * 60, (minute + 10) * 60);
      droppedB += send("b", 15, minute * 60, (minute + 10) * 60);
    }
    // a goes silent; after the fail-over timeout b takes over for the second half hour.
    Thread.sleep(2500);
    int fromB = send("b", 15, 1800, 3600);
    assertEquals(60, fromA);
    assertEquals(60, droppedB);
    assertEquals(60, fromB);
    assertEquals(120, adapter.count("SELECT count(*) FROM samples"));
    // the replica label is not part of the stored series: one series for the pair
    assertEquals(1, adapter.count("SELECT count(*) FROM series WHERE metric_name = 'ha_requests_total'"));
    assertEquals("b", adapter.scalar("SELECT replica FROM ha_leases WHERE cluster = 'eu1'"));
    assertEquals(60.0, adapter.metric("promledger_ha_deduplicated_samples_total", "cluster", "eu1"));

    TestDatabase.rollUpUnderLock(database);
    Report r = new ReportEngine(database.dataSource(), new JobOptions()).compute(
        ReportRequest.of("default", HOUR.toString(), HOUR.plus(Duration.ofHours(1)).toString(), "UTC", "range",
            List.of("increase:ha_requests_total{cluster=\"eu1\"}"), List.of(), "csv", null),
        Instant.now());
    // a's first sample 0 at :00:00, b's last 35850 at :59:45; billed once, no reset at the switch
    assertEquals("35850", r.rows().get(0).value().toPlainString());
  }
}
