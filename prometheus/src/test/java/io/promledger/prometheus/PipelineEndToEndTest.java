package io.promledger.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline as bin/promledger-pipeline starts it, with the real adapter and exporter jars,
 * Prometheus and node_exporter: a counter written by this test into node_exporter's textfile
 * directory travels through a scrape, remote write, PostgreSQL and the 5-minute rollup into the
 * {@code report} command, whose number is checked against the raw samples Prometheus holds. Then
 * Ctrl-C must leave no process behind, and a second start must find the data of the first.
 *
 * <p>Prometheus scrapes every 15 s as shipped, so the test waits for the first 5-minute bucket
 * boundary that has at least four samples of the counter before it: two to six minutes.
 */
class PipelineEndToEndTest {
  private static final String METRIC = "promledger_test_usage_total";
  private static final String SELECTOR = METRIC + "{customer=\"acme\"}";
  /**
   * Written one after another, each as soon as Prometheus has scraped the one before. Resets at
   * 50, 10, 40 and 5: a counter 100, 350, 50, 80 has used 250 + 50 + 30 = 330.
   */
  private static final List<Long> VALUES =
      List.of(100L, 350L, 50L, 80L, 230L, 10L, 75L, 175L, 40L, 300L, 310L, 5L, 60L, 61L, 200L, 33L, 90L, 1000L, 7L, 70L,
          700L, 1L, 2L, 3L, 900L, 0L, 45L, 46L, 500L, 25L);
  private static final Duration BUCKET = Duration.ofMinutes(5);
  private static final Duration START_LIMIT = Duration.ofSeconds(240);
  private static final Duration STOP_LIMIT = Duration.ofSeconds(200);
  private static final Path ADAPTER_JAR = ProjectFiles.root().resolve("remote-write-adapter/target/promledger-remote-write-adapter.jar");
  private static final Path EXPORTER_JAR = ProjectFiles.root().resolve("exporter/target/promledger-exporter.jar");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path temp;

  private Path data;
  private int prometheusPort;
  private final long t0 = System.nanoTime();

  /** A sample as Prometheus returns it: milliseconds and the value's exact decimal text. */
  record Sample(long millis, BigDecimal value) {}

  /** The samples of the counter before a 5-minute boundary that Prometheus has scraped past. */
  record Fed(List<Sample> samples, Instant boundary) {}

  @Test
  @Timeout(value = 12, unit = TimeUnit.MINUTES)
  void aCounterTravelsThroughThePipelineIntoAnExactReportThatSurvivesARestart() throws Exception {
    Commands.binary("prometheus", "prometheus");
    Commands.binary("prometheus-node-exporter", "prometheus-node-exporter");
    for (Path jar : List.of(ADAPTER_JAR, EXPORTER_JAR)) {
      assertTrue(Files.isRegularFile(jar), jar + " is not built; mvn -B verify packages it before this module's tests");
    }
    data = temp.resolve("data");
    List<String> args = new ArrayList<>(List.of("--data-dir=" + data));
    for (String flag : List.of("--adapter-port", "--exporter-port", "--node-exporter-port")) {
      args.add(flag + "=" + freePort());
    }
    prometheusPort = freePort();
    args.add("--prometheus-port=" + prometheusPort);
    // Roll a bucket up as soon as it ends, and look every 5 s, so the test need not wait minutes.
    Map<String, String> env = Map.of("PROMLEDGER_ROLLUP_INTERVAL", "5s", "PROMLEDGER_ROLLUP_DELAY", "0s");

    String firstReport;
    Map<String, Long> counted;
    try (PipelineRun first = PipelineRun.start(temp, temp.resolve("first.out"), data, env, args)) {
      try {
        first.awaitOutput("Press Ctrl-C to stop everything", START_LIMIT);
        progress("first start ready");
        assertThePrintedReportCommandRuns(first.output());

        Fed fed = feedCounterPastABucketBoundary();
        List<Sample> samples = fed.samples();
        // From the bucket of the first sample: the range holds every step of the counter.
        Instant from = floorToBucket(Instant.ofEpochMilli(samples.get(0).millis()));
        Instant to = fed.boundary();
        String expected = resetAwareIncrease(samples).toPlainString();
        progress("counter fed: " + samples.size() + " samples before " + to + ", expected increase " + expected);

        try (Connection db = connect()) {
          awaitRolledUp(db, from, to, samples.size());
          progress("rolled up until " + to);
          firstReport = report(from, to);
          // CSV lines end with CRLF (RFC 4180).
          assertEquals(
              "step_start,step_end,meter,aggregation,customer,value,unit,status,levels\r\n"
                  + from + "," + to + "," + METRIC + ",increase,acme," + expected + ",,provisional,5m\r\n",
              firstReport);
          counted = counts(db, to);
        }
        progress("report matches: " + expected + "; rows before " + to + ": " + counted);

        stopAndAssertNothingLeft(first);
        progress("first run stopped");
      } catch (Throwable t) {
        throw withDiagnostics(t, first);
      }
    }

    try (PipelineRun second = PipelineRun.start(temp, temp.resolve("second.out"), data, env, args)) {
      try {
        second.awaitOutput("Press Ctrl-C to stop everything", START_LIMIT);
        progress("second start ready");
        assertTrue(second.output().contains("starting the adapter with the data in"), "the second start did not find the data");
        Instant to = Instant.parse(firstReport.lines().skip(1).findFirst().orElseThrow().split(",")[1]);
        Instant from = Instant.parse(firstReport.lines().skip(1).findFirst().orElseThrow().split(",")[0]);
        assertEquals(firstReport, report(from, to), "the same report after a restart");
        try (Connection db = connect()) {
          assertEquals(counted, counts(db, to), "rows stored before the first stop");
        }
        stopAndAssertNothingLeft(second);
        progress("second run stopped");
      } catch (Throwable t) {
        throw withDiagnostics(t, second);
      }
    }
  }

  /**
   * Writes {@link #VALUES} one by one, each once the one before has been scraped, until a 5-minute
   * boundary has passed with at least four samples before it, one of them a reset, and Prometheus
   * holds a sample after it (so none before it can still come). Returns the samples before it.
   */
  private Fed feedCounterPastABucketBoundary() throws Exception {
    Path textfile = data.resolve("textfile");
    int next = 0;
    write(textfile, VALUES.get(next++));
    long deadline = System.nanoTime() + Duration.ofMinutes(7).toNanos();
    List<Sample> seen = List.of();
    Instant boundary = null;
    while (System.nanoTime() < deadline) {
      seen = rawSamples();
      if (!seen.isEmpty()) {
        if (boundary == null) {
          // Four scrapes, 15 s apart, fit before it.
          boundary = floorToBucket(Instant.ofEpochMilli(seen.get(0).millis()).plusSeconds(50)).plus(BUCKET);
        }
        Sample last = seen.get(seen.size() - 1);
        if (last.millis() >= boundary.toEpochMilli()) {
          Instant b = boundary;
          List<Sample> before = seen.stream().filter(s -> s.millis() < b.toEpochMilli()).toList();
          if (before.size() >= 4 && resets(before) >= 1) {
            assertWrittenInOrder(before, next);
            return new Fed(before, b);
          }
          boundary = boundary.plus(BUCKET);
        } else if (last.value().longValue() == VALUES.get(next - 1) && next < VALUES.size()) {
          write(textfile, VALUES.get(next++));
        }
      }
      Thread.sleep(1000);
    }
    return fail("no 5-minute boundary with four samples of " + SELECTOR + " before it within 7 minutes; samples: " + seen);
  }

  /** The samples are the values this test wrote, in order, each scraped at least once. */
  private static void assertWrittenInOrder(List<Sample> samples, int written) {
    List<Long> distinct = new ArrayList<>();
    for (Sample s : samples) {
      long v = s.value().longValueExact();
      if (distinct.isEmpty() || distinct.get(distinct.size() - 1) != v) {
        distinct.add(v);
      }
    }
    assertTrue(distinct.size() <= written, "more values scraped than written: " + distinct);
    assertEquals(VALUES.subList(0, distinct.size()), distinct, "values scraped, in order");
  }

  /** An atomic rename, so that node_exporter never reads half a file. */
  private static void write(Path textfile, long value) throws IOException {
    Path tmp = textfile.resolve("promledger_test.prom.tmp");
    Files.writeString(tmp, "# HELP " + METRIC + " Usage written by PipelineEndToEndTest.\n# TYPE " + METRIC + " counter\n" + SELECTOR + " " + value + "\n");
    Files.move(tmp, textfile.resolve("promledger_test.prom"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** The reference: each step belongs to its later sample; a drop is a reset counting from zero. */
  static BigDecimal resetAwareIncrease(List<Sample> samples) {
    BigDecimal total = BigDecimal.ZERO;
    for (int i = 1; i < samples.size(); i++) {
      BigDecimal prev = samples.get(i - 1).value();
      BigDecimal cur = samples.get(i).value();
      total = total.add(cur.compareTo(prev) >= 0 ? cur.subtract(prev) : cur);
    }
    return total;
  }

  private static int resets(List<Sample> samples) {
    int n = 0;
    for (int i = 1; i < samples.size(); i++) {
      n += samples.get(i).value().compareTo(samples.get(i - 1).value()) < 0 ? 1 : 0;
    }
    return n;
  }

  private static Instant floorToBucket(Instant t) {
    return Instant.ofEpochSecond(Math.floorDiv(t.getEpochSecond(), BUCKET.toSeconds()) * BUCKET.toSeconds());
  }

  /** Every raw sample Prometheus holds for the counter, oldest first. */
  private List<Sample> rawSamples() throws IOException, InterruptedException {
    URI uri = URI.create("http://127.0.0.1:" + prometheusPort + "/api/v1/query?query=" + URLEncoder.encode(SELECTOR + "[15m]", StandardCharsets.UTF_8));
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), response.body());
    JsonNode result = JSON.readTree(response.body()).path("data").path("result");
    assertTrue(result.size() <= 1, "one series expected: " + result);
    List<Sample> samples = new ArrayList<>();
    for (JsonNode v : result.path(0).path("values")) {
      long millis = new BigDecimal(v.get(0).asText()).movePointRight(3).longValueExact();
      samples.add(new Sample(millis, new BigDecimal(v.get(1).asText())));
    }
    return samples;
  }

  /**
   * Waits until PostgreSQL holds every sample of the counter before {@code to}, the 5-minute level
   * is done until {@code to} with no bucket before it left to recompute, and node_exporter's and
   * the exporter's metrics are stored and rolled up too.
   */
  private void awaitRolledUp(Connection db, Instant from, Instant to, int samples) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    Map<String, Object> state = Map.of();
    while (System.nanoTime() < deadline) {
      state = new LinkedHashMap<>();
      state.put("counter samples", scalar(db, "SELECT count(*) FROM promledger.samples sm JOIN promledger.series s ON s.id = sm.series_id "
          + "WHERE s.metric_name = ? AND s.labels ->> 'customer' = 'acme' AND sm.ts >= ? AND sm.ts < ? AND promledger.is_finite(sm.value)",
          METRIC, from, to));
      state.put("5m done until", scalar(db, "SELECT done_until >= ? FROM promledger.rollup_progress WHERE resolution = 300", to));
      state.put("dirty buckets", scalar(db, "SELECT count(*) FROM promledger.rollup_dirty WHERE resolution = 300 AND bucket_start < ?", to));
      for (String metric : List.of("node_load1", "pg_up")) {
        state.put(metric + " rollups", scalar(db, "SELECT count(*) FROM promledger.rollup_5m r JOIN promledger.series s ON s.id = r.series_id "
            + "WHERE s.metric_name = ? AND r.bucket_start < ?", metric, to));
      }
      if (state.get("counter samples").equals((long) samples) && state.get("5m done until").equals(true) && state.get("dirty buckets").equals(0L)
          && (long) state.get("node_load1 rollups") > 0 && (long) state.get("pg_up rollups") > 0) {
        return;
      }
      Thread.sleep(1000);
    }
    fail("PostgreSQL did not hold " + samples + " counter samples rolled up until " + to + " within 120 s; last: " + state);
  }

  /** Rows that must survive a restart: stored before {@code to}, which ended before the stop. */
  private static Map<String, Long> counts(Connection db, Instant to) throws SQLException {
    Map<String, Long> counts = new LinkedHashMap<>();
    for (String metric : List.of(METRIC, "node_load1", "pg_up")) {
      long n = (long) scalar(db, "SELECT count(*) FROM promledger.samples sm JOIN promledger.series s ON s.id = sm.series_id "
          + "WHERE s.metric_name = ? AND sm.ts < ?", metric, to);
      assertTrue(n > 0, "no " + metric + " samples in PostgreSQL");
      counts.put(metric + " samples", n);
    }
    counts.put("5m rollups", (long) scalar(db, "SELECT count(*) FROM promledger.rollup_5m WHERE bucket_start < ?", to));
    return counts;
  }

  private static Object scalar(Connection db, String sql, Object... params) throws SQLException {
    try (PreparedStatement ps = db.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        ps.setObject(i + 1, params[i] instanceof Instant t ? OffsetDateTime.ofInstant(t, ZoneOffset.UTC) : params[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        assertTrue(rs.next(), sql);
        return rs.getObject(1);
      }
    }
  }

  /** The adapter's embedded PostgreSQL, as its connection file names it while it runs. */
  private Connection connect() throws IOException, SQLException {
    Properties p = new Properties();
    try (var in = Files.newBufferedReader(data.resolve("adapter/promledger-connection.properties"))) {
      p.load(in);
    }
    return DriverManager.getConnection(p.getProperty("jdbc.url").replace("//localhost:", "//127.0.0.1:"));
  }

  /** The increase of the counter over [from, to), by the adapter's {@code report} command. */
  private String report(Instant from, Instant to) throws IOException {
    Path out = Files.createTempFile(temp, "report", ".csv");
    Commands.Result r = Commands.run(temp, Duration.ofSeconds(120), List.of("java", "-jar", ADAPTER_JAR.toString(), "report",
        "--storage.embedded.dir=" + data.resolve("adapter"), "--from=" + from, "--to=" + to, "--meter=increase:" + SELECTOR,
        "--group-by=customer", "--output=" + out));
    assertEquals(0, r.exitCode(), r.describe());
    return Files.readString(out);
  }

  /** The launcher prints a report command to copy; it must run as printed. */
  private void assertThePrintedReportCommandRuns(String output) {
    List<String> lines = output.lines().toList();
    int at = lines.indexOf("Usage report (rollups need a few minutes of data):");
    assertTrue(at >= 0 && at + 1 < lines.size(), "no report command printed:\n" + output);
    Commands.Result r = Commands.run(temp, Duration.ofSeconds(120), List.of("bash", "-c", lines.get(at + 1).trim()));
    assertEquals(0, r.exitCode(), "the printed report command failed: " + lines.get(at + 1) + "\n" + r.describe());
  }

  /** SIGINT, as Ctrl-C; the launcher dies of it after stopping everything it started. */
  private void stopAndAssertNothingLeft(PipelineRun run) throws InterruptedException {
    assertTrue(run.postmasterPids().size() == 1, "one embedded PostgreSQL expected, found " + run.postmasterPids());
    assertTrue(run.startedCount() >= 8, "too few processes seen: " + run.startedCount());
    run.interrupt();
    assertEquals(130, run.awaitExit(STOP_LIMIT), "the exit code of a script ended by SIGINT");
    assertTrue(run.output().contains("everything stopped; the data in"), "no stop summary printed");
    // The launcher waits for each part; the servers a part forked may take a moment longer.
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    List<String> left = run.leftovers();
    while (!left.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(200);
      left = run.leftovers();
    }
    assertEquals(List.of(), left, "processes left after Ctrl-C");
    assertTrue(Files.notExists(data.resolve("adapter/promledger-connection.properties")), "PostgreSQL was not stopped cleanly");
  }

  private static AssertionError withDiagnostics(Throwable t, PipelineRun run) {
    return new AssertionError(t.getMessage() + run.diagnostics(), t);
  }

  private void progress(String what) {
    System.out.printf("PipelineEndToEndTest %3d s: %s%n", (System.nanoTime() - t0) / 1_000_000_000L, what);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
