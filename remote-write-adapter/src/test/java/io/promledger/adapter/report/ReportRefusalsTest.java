package io.promledger.adapter.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.javalin.Javalin;
import io.promledger.adapter.jobs.JobOptions;
import io.promledger.adapter.rollup.RollupJob;
import io.promledger.adapter.rollup.TestDatabase;
import io.promledger.adapter.storage.Database;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Requests that are too large or invalid are refused as the user's input, through the endpoint and the command. */
class ReportRefusalsTest {
  @TempDir static Path dir;
  static TestDatabase db;
  static String url;
  static Javalin app;
  static HttpClient client;

  @BeforeAll
  static void start() throws Exception {
    db = TestDatabase.start(dir.resolve("pg"));
    db.reset();
    url = db.database().pool().getJdbcUrl();
    Instant t0 = Instant.parse("2026-03-01T00:00:00Z");
    TestDatabase.Batch b = db.batch();
    for (String ns : new String[] {"a", "b", "=HYPERLINK(1)"}) {
      long s = db.series("default", "rep_requests_total", "ns", ns, "i", "1");
      for (int i = 0; i < 288; i++) {
        b.sample(s, t0.plusSeconds(300L * i), i);
      }
    }
    // two label sets whose text forms as maps are the same: {ns=x, i=y, i=z}
    for (String[] labels : new String[][] {{"x, i=y", "z"}, {"x", "y, i=z"}}) {
      long s = db.series("default", "rep_groups_total", "ns", labels[0], "i", labels[1]);
      for (int i = 0; i < 288; i++) {
        b.sample(s, t0.plusSeconds(300L * i), i);
      }
    }
    b.commit();
    new RollupJob(db.database().dataSource(), Duration.ZERO, Duration.ofMinutes(5), null).runOnce(t0.plus(Duration.ofDays(2)));
    app = Javalin.create()
        .get("/api/v1/reports/usage", new ReportHttpHandler(db.database(), new JobOptions()))
        .get("/small", new ReportHttpHandler(db.database(), new JobOptions(), new ReportLimits(100, 10)));
    app.start("127.0.0.1", 0);
    client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  @AfterAll
  static void stop() {
    app.stop();
    db.close();
  }

  static HttpResponse<String> get(String query) throws Exception {
    return client.send(ReportInterfacesTest.get(app, query), HttpResponse.BodyHandlers.ofString());
  }

  static String meter(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }

  static void assertAnswer(int status, String body, HttpResponse<String> r) {
    assertEquals(status + " " + body, r.statusCode() + " " + r.body());
  }

  @Test
  void aCenturyOfHoursIsRefusedBeforeAnyWork() throws Exception {
    long runs = db.count("SELECT count(*) FROM report_runs");
    String refusal = "the report would have more than 100000 hour steps, the most allowed; narrow from and to or use a coarser step";
    assertAnswer(400, refusal + "\n",
        get("from=1970-01&to=2070-01&meter=increase:rep_requests_total&group_by=ns&step=hour&format=json"));
    ReportInterfacesTest.Run cli = ReportInterfacesTest.cli("report", "--db.url=" + url, "--from=1970-01", "--to=2070-01",
        "--meter=increase:rep_requests_total", "--group-by=ns", "--step=hour", "--format=json");
    assertEquals(2, cli.code());
    assertEquals("error: " + refusal + "\n", cli.err());
    assertEquals("", cli.out());
    assertEquals(runs, db.count("SELECT count(*) FROM report_runs"));
  }

  @Test
  void rowsAreStepsTimesGroupsTimesMetersAndRefusedAboveTheLimit() throws Exception {
    String q = "from=2026-03-01T00:00:00Z&group_by=ns&step=hour&meter=" + meter("increase:rep_requests_total");
    // 3 groups x 4 hours
    assertAnswer(400, "the report would have 12 rows (steps x groups x meters), more than the 10 allowed;"
        + " narrow from and to, use a coarser step or group by fewer labels\n", client.send(
            java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + app.port() + "/small?" + q
                + "&to=2026-03-01T04:00:00Z")).GET().build(), HttpResponse.BodyHandlers.ofString()));
    HttpResponse<String> three = client.send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + app.port() + "/small?" + q
            + "&to=2026-03-01T03:00:00Z&format=csv")).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, three.statusCode(), three.body());
    assertEquals(10, three.body().split("\r\n").length);
    ReportInterfacesTest.Run cli = ReportInterfacesTest.cli("report", "--db.url=" + url, "--from=2026-03-01T00:00:00Z",
        "--to=2026-03-01T04:00:00Z", "--meter=increase:rep_requests_total", "--group-by=ns", "--step=hour",
        "--report.max-rows=10");
    assertEquals(2, cli.code());
    assertEquals("error: the report would have 12 rows (steps x groups x meters), more than the 10 allowed;"
        + " narrow from and to, use a coarser step or group by fewer labels\n", cli.err());
    ReportInterfacesTest.Run steps = ReportInterfacesTest.cli("report", "--db.url=" + url, "--from=2026-03-01",
        "--to=2026-03-02", "--meter=increase:rep_requests_total", "--step=hour", "--report.max-steps=23");
    assertEquals(2, steps.code());
    assertEquals("error: the report would have more than 23 hour steps, the most allowed; narrow from and to or use a"
        + " coarser step\n", steps.err());
  }

  @Test
  void monthsOfAFreeAllowanceCountAsIntervalsToCompute() throws Exception {
    Path prices = dir.resolve("prices.yml");
    Files.writeString(prices, """
        currency: EUR
        meters:
          - metric: rep_requests_total
            aggregation: increase
            prices:
              - from: 2026-01-01
                unit_price: "0.01"
                free_per_month: 1000
        """);
    JobOptions options = new JobOptions();
    options.pricingFile = prices;
    ReportEngine engine = new ReportEngine(db.database().dataSource(), options, new ReportLimits(100, 8));
    ReportRequest req = ReportRequest.of("default", "2026-03-01", "2026-06-01", "UTC", "range",
        List.of("increase:rep_requests_total"), List.of("ns"), "csv", null);
    // 3 rows, but each is computed month by month: 3 months x 3 groups
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> engine.compute(req, Instant.parse("2027-01-01T00:00:00Z")));
    assertEquals("the report would have 9 intervals to compute (steps split at months and price changes x groups x meters),"
        + " more than the 8 allowed; narrow from and to, use a coarser step or group by fewer labels", e.getMessage());
    ReportEngine nine = new ReportEngine(db.database().dataSource(), options, new ReportLimits(100, 9));
    assertEquals(3, nine.compute(req, Instant.parse("2027-01-01T00:00:00Z")).rows().size());
  }

  @Test
  void regexesThatPostgresqlReadsDifferentlyAreTheUsersInput() throws Exception {
    String[][] cases = {
      {"(?<n>1)", "named groups (?<name>...)"},
      {"1*+", "possessive quantifiers such as *+"},
      {"\\\\p{L}+", "Unicode classes \\p{...}"},
      {"\\\\Q)|(.*\\\\E", "quoting with \\Q...\\E (escape each character instead)"},
    };
    for (String[] c : cases) {
      String selector = "rep_requests_total{i=~\"" + c[0] + "\"}";
      String expected = "invalid selector '" + selector + "': the regular expression for i uses " + c[1]
          + ", which is not supported";
      assertAnswer(400, expected + "\n", get("from=2026-03-01&to=2026-03-02&meter=" + meter("increase:" + selector)));
      ReportInterfacesTest.Run cli = ReportInterfacesTest.cli("report", "--db.url=" + url, "--from=2026-03-01",
          "--to=2026-03-02", "--meter=increase:" + selector);
      assertEquals(2, cli.code(), cli.err());
      assertEquals("error: " + expected + "\n", cli.err());
    }
  }

  @Test
  void aNulInAMatcherValueAndAYearPostgresqlCannotHoldAreTheUsersInput() throws Exception {
    assertAnswer(400, "invalid selector 'rep_requests_total{ns=\"a\u0000\"}': the value for ns contains a NUL character\n",
        get("from=2026-03-01&to=2026-03-02&meter=" + meter("increase:rep_requests_total{ns=\"a\u0000\"}")));
    assertAnswer(400, "to '+999999-01-01T00:00:00Z' is outside the years 1970 to 9999 that reports cover\n",
        get("from=2026-03-01&to=%2B999999-01-01T00:00:00Z&meter=increase:rep_requests_total"));
    ReportInterfacesTest.Run cli = ReportInterfacesTest.cli("report", "--db.url=" + url, "--from=2026-03-01",
        "--to=+999999-01-01T00:00:00Z", "--meter=increase:rep_requests_total");
    assertEquals(2, cli.code());
    assertEquals("error: to '+999999-01-01T00:00:00Z' is outside the years 1970 to 9999 that reports cover\n", cli.err());
  }

  @Test
  void whatTheDatabaseRejectsAsInputIsA400AndAnUnreachableDatabaseA503() throws Exception {
    // Built without the parser's checks, as if a construct had slipped through them.
    SeriesSelector raw = new SeriesSelector(List.of(
        new SeriesSelector.LabelMatcher("__name__", "=", "rep_requests_total"),
        new SeriesSelector.LabelMatcher("i", "=~", "(?<n>1)")));
    ReportRequest valid = ReportRequest.of("default", "2026-03-01", "2026-03-02", "UTC", "range",
        List.of("increase:rep_requests_total"), List.of(), "csv", null);
    ReportRequest req = new ReportRequest("default", valid.from(), valid.to(), valid.zone(), valid.step(),
        List.of(new Meter(Aggregation.parse("increase"), raw, "increase:rep_requests_total{i=~\"(?<n>1)\"}")),
        List.of(), valid.format(), null);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new ReportEngine(db.database().dataSource(), new JobOptions()).compute(req, Instant.now()));
    assertEquals("the database refused the request: ERROR: invalid regular expression: quantifier operand invalid",
        e.getMessage());

    try (Database down = TestDatabase.open("jdbc:postgresql://127.0.0.1:1/promledger?connectTimeout=1")) {
      Javalin unreachable = Javalin.create().get("/api/v1/reports/usage", new ReportHttpHandler(down, new JobOptions()));
      unreachable.start("127.0.0.1", 0);
      try {
        HttpResponse<String> r = client.send(ReportInterfacesTest.get(unreachable,
            "from=2026-03-01&to=2026-03-02&meter=increase:rep_requests_total"), HttpResponse.BodyHandlers.ofString());
        assertEquals(503, r.statusCode(), r.body());
        assertEquals("5", r.headers().firstValue("Retry-After").orElseThrow());
        assertEquals("database unavailable: ", r.body().substring(0, "database unavailable: ".length()));
      } finally {
        unreachable.stop();
      }
    }
  }

  @Test
  void aLeadingCaseFlagGoesBeforeTheAnchorsWherePostgresqlReadsIt() throws Exception {
    String q = "from=2026-03-01&to=2026-03-02&group_by=ns&meter=";
    assertAnswer(200, "step_start,step_end,meter,aggregation,ns,value,unit,status,levels\r\n"
        + "2026-03-01T00:00:00Z,2026-03-02T00:00:00Z,rep_requests_total,increase,a,287,,final,5m\r\n",
        get(q + meter("increase:rep_requests_total{ns=~\"(?i)A\"}")));
    // without the flag the match is case-sensitive and anchored: nothing is selected
    assertAnswer(200, "step_start,step_end,meter,aggregation,ns,value,unit,status,levels\r\n",
        get(q + meter("increase:rep_requests_total{ns=~\"A|HYPERLINK\"}")));
  }

  @Test
  void labelValuesThatSpreadsheetsRunAreTextInCsvAndExactInJson() throws Exception {
    String q = "from=2026-03-01&to=2026-03-02&group_by=ns&meter=" + meter("increase:rep_requests_total");
    assertAnswer(200, "step_start,step_end,meter,aggregation,ns,value,unit,status,levels\r\n"
        + "2026-03-01T00:00:00Z,2026-03-02T00:00:00Z,rep_requests_total,increase,\"'=HYPERLINK(1)\",287,,final,5m\r\n"
        + "2026-03-01T00:00:00Z,2026-03-02T00:00:00Z,rep_requests_total,increase,a,287,,final,5m\r\n"
        + "2026-03-01T00:00:00Z,2026-03-02T00:00:00Z,rep_requests_total,increase,b,287,,final,5m\r\n", get(q));
    HttpResponse<String> json = get(q + "&format=json");
    assertEquals(200, json.statusCode());
    assertEquals(1, json.body().split("\"ns\" : \"=HYPERLINK\\(1\\)\"", -1).length - 1, json.body());
  }

  @Test
  void groupsWhoseLabelsPrintAlikeStayApart() throws Exception {
    String q = "from=2026-03-01&to=2026-03-02&group_by=ns,i&meter=" + meter("increase:rep_groups_total");
    assertAnswer(200, "step_start,step_end,meter,aggregation,ns,i,value,unit,status,levels\r\n"
        + "2026-03-01T00:00:00Z,2026-03-02T00:00:00Z,rep_groups_total,increase,x,\"y, i=z\",287,,final,5m\r\n"
        + "2026-03-01T00:00:00Z,2026-03-02T00:00:00Z,rep_groups_total,increase,\"x, i=y\",z,287,,final,5m\r\n", get(q));
  }
}
