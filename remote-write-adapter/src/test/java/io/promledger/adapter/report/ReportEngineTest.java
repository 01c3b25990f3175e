package io.promledger.adapter.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promledger.adapter.jobs.JobOptions;
import io.promledger.adapter.rollup.RollupJob;
import io.promledger.adapter.rollup.TestDatabase;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportEngineTest {
  @TempDir static Path dir;
  static TestDatabase db;
  static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

  JobOptions options;

  @BeforeAll
  static void start() {
    db = TestDatabase.start(dir.resolve("pg"));
  }

  @AfterAll
  static void stop() {
    db.close();
  }

  @BeforeEach
  void clean() throws Exception {
    db.reset();
    options = new JobOptions();
  }

  /** A counter that grows by 1 and a gauge that holds 2, both sampled every 5 minutes in [from, to). */
  void fiveMinuteSeries(Instant from, Instant to, String... labels) throws Exception {
    long counter = db.series("default", "requests_total", labels);
    long gauge = db.series("default", "memory_gigabytes", labels);
    TestDatabase.Batch b = db.batch();
    int i = 0;
    for (Instant t = from; t.isBefore(to); t = t.plusSeconds(300)) {
      b.sample(counter, t, i++);
      b.sample(gauge, t, 2);
    }
    b.commit();
  }

  void rollUp(Instant now) throws Exception {
    new RollupJob(db.database().dataSource(), Duration.ZERO, options.gaugeMaxGap, null).runOnce(now);
  }

  Report report(String from, String to, String zone, String step, String level, List<String> groupBy, String... meters)
      throws Exception {
    ReportRequest r = ReportRequest.of("default", from, to, zone, step, List.of(meters), groupBy, "csv", level);
    return new ReportEngine(db.database().dataSource(), options).compute(r, Instant.parse("2027-01-01T00:00:00Z"));
  }

  static BigDecimal d(String s) {
    return new BigDecimal(s);
  }

  static void assertDecimal(String expected, BigDecimal actual, String what) {
    assertEquals(0, d(expected).compareTo(actual), what + ": expected " + expected + " got " + actual);
  }

  @Test
  void localDaysOfA31DayMonthIncludeThe23HourDay() throws Exception {
    fiveMinuteSeries(Instant.parse("2026-02-27T00:00:00Z"), Instant.parse("2026-04-02T00:00:00Z"));
    rollUp(Instant.parse("2026-04-03T00:00:00Z"));
    for (String level : new String[] {"auto", "1h"}) {
      Report days = report("2026-03", "2026-04", "Europe/Berlin", "day", level, List.of(),
          "increase:requests_total", "integral:memory_gigabytes");
      assertEquals(62, days.rows().size());
      BigDecimal month = BigDecimal.ZERO;
      for (Report.Row r : days.rows()) {
        LocalDate day = LocalDate.ofInstant(r.stepStart(), BERLIN);
        long hours = Duration.between(r.stepStart(), r.stepEnd()).toHours();
        assertEquals(day.equals(LocalDate.parse("2026-03-29")) ? 23 : 24, hours, day.toString());
        if (r.meter().equals("requests_total")) {
          assertDecimal(Long.toString(hours * 12), r.value(), level + " " + day);
          month = month.add(r.value());
        } else {
          assertDecimal(Long.toString(hours * 2), r.value(), level + " " + day);
          assertEquals("gigabytes-hours", r.unit());
        }
      }
      // 31 days minus the hour skipped on 29 March, 12 samples an hour
      assertDecimal("8916", month, level + " month from days");
      Report whole = report("2026-03", "2026-04", "Europe/Berlin", "month", level, List.of(), "increase:requests_total");
      assertDecimal("8916", whole.rows().get(0).value(), level + " month");
      assertEquals(level.equals("auto") ? List.of("5m") : List.of("1h"), whole.levels());
    }
  }

  @Test
  void the25HourDayCountsEveryHour() throws Exception {
    fiveMinuteSeries(Instant.parse("2026-10-23T00:00:00Z"), Instant.parse("2026-10-28T00:00:00Z"));
    rollUp(Instant.parse("2026-10-29T00:00:00Z"));
    Report days = report("2026-10-24", "2026-10-27", "Europe/Berlin", "day", "auto", List.of(), "increase:requests_total");
    List<String> values = days.rows().stream().map(r -> r.value().toPlainString()).toList();
    assertEquals(List.of("288", "300", "288"), values);
    assertEquals(Duration.ofHours(25), Duration.between(days.rows().get(1).stepStart(), days.rows().get(1).stepEnd()));
  }

  @Test
  void dailyRollupsServeUtcDaysButNotLocalOnes() throws Exception {
    fiveMinuteSeries(Instant.parse("2026-03-01T00:00:00Z"), Instant.parse("2026-03-05T00:00:00Z"));
    rollUp(Instant.parse("2026-03-06T00:00:00Z"));
    Report utc = report("2026-03-02", "2026-03-04", "UTC", "day", "1d", List.of(), "increase:requests_total");
    assertEquals(List.of("288", "288"), utc.rows().stream().map(r -> r.value().toPlainString()).toList());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> report("2026-03-02", "2026-03-04", "Europe/Berlin", "day", "1d", List.of(), "increase:requests_total"));
    assertTrue(e.getMessage().contains("do not fit"), e.getMessage());
  }

  @Test
  void nanInfinityAndStalenessStayOutOfTheReport() throws Exception {
    long g = db.series("default", "instances");
    Instant day = Instant.parse("2026-05-01T00:00:00Z");
    TestDatabase.Batch b = db.batch();
    for (Instant t = day; t.isBefore(day.plus(Duration.ofDays(1))); t = t.plusSeconds(300)) {
      long h = Duration.between(day, t).toHours();
      if (h == 6) {
        continue; // the series ended at 06:00 and came back at 07:00
      }
      b.sample(g, t, 1);
    }
    b.end(g, day.plus(Duration.ofHours(6)));
    b.sample(g, day.plus(Duration.ofHours(12)).plusSeconds(30), Double.NaN);
    b.sample(g, day.plus(Duration.ofHours(13)).plusSeconds(30), Double.POSITIVE_INFINITY);
    b.commit();
    rollUp(day.plus(Duration.ofDays(2)));
    Report r = report("2026-05-01", "2026-05-02", "UTC", "range", "auto", List.of(),
        "integral:instances", "avg:instances", "max:instances");
    // the last sample before midnight carries 5 minutes into the next day, outside the range
    assertDecimal("23", r.rows().get(0).value(), "instance-hours");
    assertDecimal("1", r.rows().get(1).value(), "avg");
    assertDecimal("1", r.rows().get(2).value(), "max");
  }

  @Test
  void matchersAndGroupByAreBoundNotInterpolated() throws Exception {
    Instant from = Instant.parse("2026-06-01T00:00:00Z");
    Instant to = Instant.parse("2026-06-02T00:00:00Z");
    fiveMinuteSeries(from, to, "ns", "a", "job", "api");
    fiveMinuteSeries(from, to, "ns", "b", "job", "api");
    fiveMinuteSeries(from, to, "ns", "a", "job", "web");
    fiveMinuteSeries(from, to, "ns", "c", "job", "api");
    rollUp(to.plus(Duration.ofDays(1)));
    Report r = report("2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z", "UTC", "range", "auto", List.of("ns"),
        "increase:requests_total{job=~\"api|web\", ns!=\"c\"}");
    assertEquals(2, r.rows().size());
    // 287 steps per series in the day
    assertEquals("a", r.rows().get(0).group().get("ns"));
    assertDecimal("574", r.rows().get(0).value(), "ns=a");
    assertEquals("b", r.rows().get(1).group().get("ns"));
    assertDecimal("287", r.rows().get(1).value(), "ns=b");
    Report none = report("2026-06-01", "2026-06-02", "UTC", "range", "auto", List.of(),
        "increase:requests_total{ns=\"'; DROP TABLE series; --\"}");
    assertTrue(none.rows().isEmpty());
    assertEquals(8, db.count("SELECT count(*) FROM series"));
    assertThrows(IllegalArgumentException.class, () -> ReportRequest.of("default", "2026-06-01", "2026-06-02", "UTC",
        "day", List.of("increase:requests_total"), List.of("ns; DROP"), "csv", null));
    assertThrows(IllegalArgumentException.class, () -> report("2026-06-01", "2026-06-02", "UTC", "range", "auto",
        List.of(), "increase:memory_gigabytes"));
  }

  @Test
  void p95OverADayIsNotTheAverageOfBucketP95s() throws Exception {
    long s = db.series("default", "latency_ms");
    Instant t0 = Instant.parse("2026-07-01T00:00:00Z");
    TestDatabase.Batch b = db.batch();
    for (int i = 0; i < 1000; i++) {
      b.sample(s, t0.plusMillis(i * 250L), i < 950 ? 10 : 200);
    }
    for (int i = 0; i < 20; i++) {
      b.sample(s, t0.plusSeconds(300 + i * 10L), 900);
    }
    b.commit();
    rollUp(t0.plus(Duration.ofDays(2)));
    Report r = report("2026-07-01", "2026-07-02", "UTC", "range", "auto", List.of(), "p95:latency_ms");
    double p95 = r.rows().get(0).value().doubleValue();
    assertTrue(Math.abs(p95 - 200) <= 2, "p95 " + p95 + " (average of bucket p95s would be 455)");
    assertTrue(r.rows().get(0).approximate());
  }

  @Test
  void costFollowsAPriceThatChangesMidMonthAfterTheFreeAllowance() throws Exception {
    fiveMinuteSeries(Instant.parse("2026-02-28T23:55:00Z"), Instant.parse("2026-04-01T00:00:00Z"));
    rollUp(Instant.parse("2026-04-02T00:00:00Z"));
    Path prices = dir.resolve("prices.yml");
    Files.writeString(prices, """
        currency: EUR
        meters:
          - metric: requests_total
            aggregation: increase
            prices:
              - from: 2026-01-01
                unit_price: "0.01"
                free_per_month: 1000
              - from: 2026-03-16
                unit_price: "0.02"
                free_per_month: 1000
        """);
    options.pricingFile = prices;
    Report month = report("2026-03", "2026-04", "UTC", "month", "auto", List.of(), "increase:requests_total");
    // 15 days x 288 = 4320, minus 1000 free, at 0.01 = 33.20; 16 days x 288 = 4608 at 0.02 = 92.16
    assertDecimal("8928", month.rows().get(0).value(), "usage");
    assertDecimal("125.36", month.rows().get(0).cost(), "cost");
    assertEquals("EUR", month.currency());
    Report days = report("2026-03", "2026-04", "UTC", "day", "auto", List.of(), "increase:requests_total");
    assertDecimal("0", days.rows().get(2).cost(), "3 March: still free");
    assertDecimal("1.52", days.rows().get(3).cost(), "4 March: 136 free, 152 at 0.01");
    assertDecimal("5.76", days.rows().get(15).cost(), "16 March: 288 at 0.02");
    BigDecimal sum = days.rows().stream().map(Report.Row::cost).reduce(BigDecimal.ZERO, BigDecimal::add);
    assertDecimal("125.36", sum, "sum of daily costs");
    // a report that starts mid-month still knows the allowance is used up
    Report late = report("2026-03-10", "2026-03-11", "UTC", "day", "auto", List.of(), "increase:requests_total");
    assertDecimal("2.88", late.rows().get(0).cost(), "10 March");
  }

  @Test
  void reportsInsideTheHorizonAreProvisionalAndEveryRunIsRecorded() throws Exception {
    Instant from = Instant.parse("2026-08-01T00:00:00Z");
    fiveMinuteSeries(from, from.plus(Duration.ofDays(2)));
    rollUp(from.plus(Duration.ofDays(3)));
    ReportRequest req = ReportRequest.of("default", "2026-08-01", "2026-08-02", "UTC", "day",
        List.of("increase:requests_total"), List.of(), "csv", null);
    ReportEngine engine = new ReportEngine(db.database().dataSource(), options);
    Report early = engine.compute(req, Instant.parse("2026-08-03T00:00:00Z"));
    assertTrue(early.provisional());
    Report later = engine.compute(req, Instant.parse("2026-08-04T00:00:01Z"));
    assertFalse(later.provisional());
    byte[] body = ReportWriter.render(later);
    String csv = new String(body, StandardCharsets.UTF_8);
    assertEquals("step_start,step_end,meter,aggregation,value,unit,status,levels\r\n"
        + "2026-08-01T00:00:00Z,2026-08-02T00:00:00Z,requests_total,increase,287,,final,5m\r\n", csv);
    ReportRuns.Run run = ReportRuns.record(db.database().dataSource(), later, body, null);
    try (Connection c = db.connection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT inputs->>'from', status, output_sha256, levels[1], row_count FROM report_runs WHERE id = " + run.id())) {
      assertTrue(rs.next());
      assertEquals("2026-08-01T00:00:00Z", rs.getString(1));
      assertEquals("final", rs.getString(2));
      assertEquals(ReportRuns.sha256(body), rs.getString(3));
      assertEquals("5m", rs.getString(4));
      assertEquals(1, rs.getInt(5));
    }
    List<String> ids = new ArrayList<>();
    ids.add(run.sha256());
    assertEquals(64, ids.get(0).length());
  }
}
