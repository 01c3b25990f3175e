package io.promledger.adapter.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.javalin.Javalin;
import io.promledger.adapter.cli.Main;
import io.promledger.adapter.jobs.JobOptions;
import io.promledger.adapter.rollup.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report command, the rollup command and the HTTP endpoint over one database. */
class ReportInterfacesTest {
  @TempDir static Path dir;
  static TestDatabase db;
  static String url;

  @BeforeAll
  static void start() throws Exception {
    db = TestDatabase.start(dir);
    db.reset();
    url = db.database().pool().getJdbcUrl();
    long c = db.series("default", "requests_total", "ns", "a");
    long g = db.series("default", "memory_bytes", "ns", "a");
    TestDatabase.Batch b = db.batch();
    Instant t0 = Instant.parse("2026-03-01T00:00:00Z");
    for (int i = 0; i < 288 * 2; i++) {
      b.sample(c, t0.plusSeconds(300L * i), i);
      b.sample(g, t0.plusSeconds(300L * i), 1024);
    }
    b.commit();
  }

  @AfterAll
  static void stop() {
    db.close();
  }

  record Run(int code, String out, String err) {}

  static Run cli(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      int code = Main.run(args, Map.of());
      return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }

  @Test
  void commandsRecomputeAndReportAndTheEndpointAnswersTheSame() throws Exception {
    Run rollup = cli("rollup", "--db.url=" + url, "--from=2026-03-01", "--to=2026-03-03", "--log.level=warn");
    assertEquals(0, rollup.code(), rollup.err());
    assertTrue(rollup.err().contains("100% 1d until 2026-03-03T00:00:00Z"), rollup.err());
    Run report = cli("report", "--db.url=" + url, "--from=2026-03-01", "--to=2026-03-03", "--step=day",
        "--meter=increase:requests_total{ns=\"a\"}", "--group-by=ns");
    assertEquals(0, report.code(), report.err());
    // provisional: an on-demand recompute does not move the scheduled job's progress
    assertEquals("step_start,step_end,meter,aggregation,ns,value,unit,status,levels\r\n"
        + "2026-03-01T00:00:00Z,2026-03-02T00:00:00Z,requests_total,increase,a,287,,provisional,5m\r\n"
        + "2026-03-02T00:00:00Z,2026-03-03T00:00:00Z,requests_total,increase,a,288,,provisional,5m\r\n", report.out());
    assertTrue(report.err().matches("report run \\d+ status=provisional levels=5m rows=2 sha256=[0-9a-f]{64}\\s*"), report.err());

    Javalin app = Javalin.create().get("/api/v1/reports/usage", new ReportHttpHandler(db.database(), new JobOptions()));
    app.start("127.0.0.1", 0);
    try {
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      String q = "from=2026-03-01&to=2026-03-03&step=day&group_by=ns&meter="
          + URLEncoder.encode("increase:requests_total{ns=\"a\"}", StandardCharsets.UTF_8);
      HttpResponse<String> csv = client.send(get(app, q), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, csv.statusCode());
      assertEquals(report.out(), csv.body());
      assertEquals(ReportRuns.sha256(csv.body().getBytes(StandardCharsets.UTF_8)),
          csv.headers().firstValue("X-Promledger-Report-Sha256").orElseThrow());
      HttpResponse<String> json = client.send(get(app,
          "from=2026-03-01&to=2026-03-02&format=json&meter=" + URLEncoder.encode("integral:memory_bytes", StandardCharsets.UTF_8)),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, json.statusCode());
      // 1024 bytes for 24 hours: the sample at 23:55 carries its 5 minutes up to midnight
      assertTrue(json.body().contains("\"value\" : \"24576\""), json.body());
      assertTrue(json.body().contains("\"unit\" : \"bytes-hours\""), json.body());
      HttpResponse<String> bad = client.send(get(app, "from=2026-03-01&to=2026-03-02&meter="
          + URLEncoder.encode("increase:x{a=~\"(\"}", StandardCharsets.UTF_8)),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(400, bad.statusCode());
      assertTrue(bad.body().startsWith("invalid selector 'x{a=~\"(\"}': invalid regular expression for a"), bad.body());
    } finally {
      app.stop();
    }
    assertEquals(3, db.count("SELECT count(*) FROM report_runs"));
  }

  @Test
  void aRetentionThatWouldLoseDataIsRefusedWithOneLine() {
    Run r = cli("retention", "--db.url=" + url, "--retention.raw=1d");
    assertEquals(1, r.code());
    assertTrue(r.err().startsWith("error: --retention.raw=1d would drop raw samples that rollups still need"), r.err());
    assertEquals(1, r.err().strip().lines().count());
  }

  static HttpRequest get(Javalin app, String query) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + "/api/v1/reports/usage?" + query))
        .timeout(Duration.ofSeconds(30)).GET().build();
  }
}
