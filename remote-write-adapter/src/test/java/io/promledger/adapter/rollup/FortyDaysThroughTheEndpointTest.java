package io.promledger.adapter.rollup;

import static io.promledger.adapter.support.Payloads.sample;
import static io.promledger.adapter.support.Payloads.v1;
import static io.promledger.adapter.support.Payloads.v1Series;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promledger.adapter.jobs.JobOptions;
import io.promledger.adapter.report.Report;
import io.promledger.adapter.report.ReportEngine;
import io.promledger.adapter.report.ReportRequest;
import io.promledger.adapter.storage.Database;
import io.promledger.adapter.support.TestAdapter;
import io.promledger.proto.v1.Types;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A counter over 40 days sent through the write endpoint: 5-minute, hourly, daily and monthly sums agree. */
class FortyDaysThroughTheEndpointTest {
  static TestAdapter adapter;
  static Database database;
  static final Instant START = Instant.now().truncatedTo(ChronoUnit.DAYS).minus(Duration.ofDays(41));
  static final Instant END = START.plus(Duration.ofDays(40));

  @BeforeAll
  static void start() {
    adapter = TestAdapter.start("--rollup.interval=1h", "--retention.raw=60d", "--retention.5m=60d");
    database = TestDatabase.open(adapter.jdbcUrl());
  }

  @AfterAll
  static void stop() {
    database.close();
    adapter.close();
  }

  @Test
  void fiveMinuteHourlyDailyAndMonthlySumsAgreeToTheUnit() throws Exception {
    Random random = new Random(40);
    List<Instant> ts = new ArrayList<>();
    List<Double> vs = new ArrayList<>();
    double v = 0;
    Types.TimeSeries.Builder batch = v1Series("__name__", "bytes_sent_total", "job", "edge");
    for (Instant t = START.plusSeconds(17); t.isBefore(END); t = t.plusSeconds(60 + random.nextInt(600))) {
      v = random.nextInt(50) == 0 ? random.nextInt(20) : v + random.nextInt(1000);
      ts.add(t);
      vs.add(v);
      batch.addSamples(sample(t.toEpochMilli(), v));
      if (batch.getSamplesCount() == 2000) {
        assertEquals(204, adapter.write(v1(batch)).statusCode());
        batch = v1Series("__name__", "bytes_sent_total", "job", "edge");
      }
    }
    assertEquals(204, adapter.write(v1(batch)).statusCode());
    TestDatabase.rollUpUnderLock(database);
    // Reference: reset-aware steps, each in the UTC day of its later sample.
    BigDecimal[] perDay = new BigDecimal[40];
    java.util.Arrays.fill(perDay, BigDecimal.ZERO);
    for (int i = 1; i < ts.size(); i++) {
      double step = vs.get(i) < vs.get(i - 1) ? vs.get(i) : vs.get(i) - vs.get(i - 1);
      perDay[(int) Duration.between(START, ts.get(i)).toDays()] =
          perDay[(int) Duration.between(START, ts.get(i)).toDays()].add(BigDecimal.valueOf(step));
    }
    BigDecimal total = java.util.Arrays.stream(perDay).reduce(BigDecimal.ZERO, BigDecimal::add);
    ReportEngine engine = new ReportEngine(database.dataSource(), new JobOptions());
    for (String level : new String[] {"5m", "1h", "1d"}) {
      Report days = engine.compute(request("day", level), Instant.now());
      assertEquals(40, days.rows().size());
      for (int i = 0; i < 40; i++) {
        assertEquals(0, perDay[i].compareTo(days.rows().get(i).value()), level + " day " + i);
      }
      Report months = engine.compute(request("month", level), Instant.now());
      BigDecimal sum = months.rows().stream().map(Report.Row::value).reduce(BigDecimal.ZERO, BigDecimal::add);
      assertEquals(0, total.compareTo(sum), level + " months");
      assertTrue(months.rows().size() >= 2);
    }
  }

  private static ReportRequest request(String step, String level) {
    return ReportRequest.of("default", START.toString(), END.toString(), "UTC", step,
        List.of("increase:bytes_sent_total{job=\"edge\"}"), List.of(), "csv", level);
  }
}
