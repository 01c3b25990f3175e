package io.promledger.adapter.rollup;

import static io.promledger.adapter.support.Payloads.STALE_NAN;
import static io.promledger.adapter.support.Payloads.NORMAL_NAN;
import static io.promledger.adapter.support.Payloads.sample;
import static io.promledger.adapter.support.Payloads.v1;
import static io.promledger.adapter.support.Payloads.v1Series;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.promledger.adapter.jobs.JobOptions;
import io.promledger.adapter.report.Report;
import io.promledger.adapter.report.ReportEngine;
import io.promledger.adapter.report.ReportRequest;
import io.promledger.adapter.storage.Database;
import io.promledger.adapter.support.TestAdapter;
import io.promledger.proto.v1.Remote.WriteRequest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Samples sent through the real write endpoint, rolled up and reported. */
class WriteEndpointRollupTest {
  static TestAdapter adapter;
  static Database database;
  // inside raw retention, complete 5-minute buckets well below now
  static final Instant BASE = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(3));

  @BeforeAll
  static void start() {
    adapter = TestAdapter.start("--rollup.interval=1h");
    database = TestDatabase.open(adapter.jdbcUrl());
  }

  @AfterAll
  static void stop() {
    database.close();
    adapter.close();
  }

  static long ms(int seconds) {
    return BASE.plusSeconds(seconds).toEpochMilli();
  }

  static void send(WriteRequest request) {
    assertEquals(204, adapter.write(request).statusCode());
  }

  /** One rollup run under the jobs' advisory lock, so it never overlaps the adapter's own schedule. */
  static void rollUp() throws Exception {
    TestDatabase.rollUpUnderLock(database);
  }

  static String value(String meter) throws Exception {
    Report r = new ReportEngine(database.dataSource(), new JobOptions()).compute(
        ReportRequest.of("default", BASE.toString(), BASE.plus(Duration.ofHours(1)).toString(), "UTC", "range",
            List.of(meter), List.of(), "csv", null),
        Instant.now());
    return r.rows().get(0).value().toPlainString();
  }

  @Test
  void counterResetSentTwiceThenALateSampleAnHourLater() throws Exception {
    WriteRequest counter = v1(v1Series("__name__", "jobs_done_total", "job", "batch")
        .addSamples(sample(ms(10), 100)).addSamples(sample(ms(70), 350))
        .addSamples(sample(ms(130), 50)).addSamples(sample(ms(190), 80)));
    send(counter);
    send(counter); // every sample twice
    rollUp();
    assertEquals("330", value("increase:jobs_done_total"));
    assertEquals(4, adapter.count("SELECT count(*) FROM samples JOIN series s ON s.id = series_id WHERE s.metric_name = 'jobs_done_total'"));

    // A sample for the first bucket arrives after it was rolled up: 350 -> 400 -> 50 (reset) -> 80
    send(v1(v1Series("__name__", "jobs_done_total", "job", "batch").addSamples(sample(ms(100), 400))));
    assertEquals(3, adapter.count("SELECT count(*) FROM rollup_dirty JOIN series s ON s.id = series_id WHERE s.metric_name = 'jobs_done_total'"));
    rollUp();
    assertEquals("380", value("increase:jobs_done_total"));
  }

  @Test
  void nanAndStalenessMarkersStayOutOfAggregates() throws Exception {
    send(v1(v1Series("__name__", "workers", "job", "pool")
        .addSamples(sample(ms(0), 36)).addSamples(sample(ms(60), NORMAL_NAN))
        .addSamples(sample(ms(200), STALE_NAN)).addSamples(sample(ms(600), 72))));
    rollUp();
    // 36 held 200 s until the series ended, 72 held the 5-minute maximum gap: 7200 + 21600 value-seconds
    assertEquals("8", value("integral:workers"));
    assertEquals("54", value("avg:workers"));
    assertEquals("72", value("max:workers"));
  }

  static io.promledger.proto.v2.Types.Sample started(int seconds, double value, int startSeconds) {
    return io.promledger.proto.v2.Types.Sample.newBuilder()
        .setTimestamp(ms(seconds)).setValue(value).setStartTimestamp(ms(startSeconds)).build();
  }

  @Test
  void remoteWrite2StartTimestampsMarkResets() throws Exception {
    io.promledger.adapter.support.Payloads.V2 v2 = new io.promledger.adapter.support.Payloads.V2();
    v2.add(v2.series("__name__", "tasks_total", "job", "worker")
        .addSamples(started(60, 10, 0)).addSamples(started(120, 20, 0))
        // restarted at 150 s and already past its old value: only the start timestamp shows the reset
        .addSamples(started(180, 25, 150)).addSamples(started(240, 27, 150)));
    assertEquals(204, adapter.write(v2.build()).statusCode());
    rollUp();
    // 20 - 10, then 25 since the restart, then 2
    assertEquals("37", value("increase:tasks_total"));
  }
}
