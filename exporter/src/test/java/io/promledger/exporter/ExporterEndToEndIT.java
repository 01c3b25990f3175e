package io.promledger.exporter;

import static io.promledger.exporter.collector.cloudwatch.FakeCloudWatch.ok;
import static io.promledger.exporter.collector.cloudwatch.FakeCloudWatch.result;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.promledger.embedded.EmbeddedDatabase;
import io.promledger.exporter.collector.cloudwatch.FakeCloudWatch;
import io.promledger.http.instrumentation.Exposition;
import java.io.IOException;
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
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar as a user runs it, watching the embedded database the adapter would run, with a
 * CloudWatch endpoint on 127.0.0.1, scraped by a real Prometheus (Debian's prometheus package).
 */
class ExporterEndToEndIT {
  private static final Duration PATIENCE = Duration.ofSeconds(60);
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final ObjectMapper json = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void prometheusScrapesTheExporterAndSeesTheDatabaseAppear() throws Exception {
    Path prometheusBinary = Promtool.binary("prometheus", "prometheus");
    Path jar = Path.of("target/promledger-exporter.jar").toAbsolutePath();
    assertTrue(Files.isRegularFile(jar), jar + " missing: run mvn package first");
    Path dataDir = dir.resolve("promledger-data");
    Path cloudwatchConfig = dir.resolve("cloudwatch.yml");
    Files.writeString(cloudwatchConfig, """
        region: eu-west-1
        set_timestamp: false
        metrics:
        - aws_namespace: AWS/RDS
          aws_metric_name: CPUUtilization
          aws_dimensions: [DBInstanceIdentifier]
          aws_dimension_select: {DBInstanceIdentifier: [ledger-1]}
          aws_statistics: [Average]
        """);
    int exporterPort = freePort();
    int prometheusPort = freePort();
    Path exporterLog = dir.resolve("exporter.log");
    Process exporter = null;
    Process prometheus = null;
    EmbeddedDatabase db = null;
    try (FakeCloudWatch aws = new FakeCloudWatch()) {
      aws.on("GetMetricData", r -> ok(Map.of("MetricDataResults",
          List.of(result("q0", "Complete", List.of(Instant.now().minusSeconds(600)), List.of(42.5))))));
      ProcessBuilder pb = new ProcessBuilder("java", "-jar", jar.toString(),
          "--web.listen-address=127.0.0.1:" + exporterPort,
          "--storage.embedded.dir=" + dataDir,
          "--cloudwatch.config.file=" + cloudwatchConfig,
          "--cloudwatch.endpoint=" + aws.endpoint())
          .redirectErrorStream(true)
          .redirectOutput(exporterLog.toFile());
      pb.environment().putAll(Map.of("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY", "secret",
          "PROMLEDGER_EXPORTER_LOG_LEVEL", "info"));
      exporter = pb.start();
      String base = "http://127.0.0.1:" + exporterPort;
      awaitOk(base + "/-/ready", exporter, exporterLog);

      // No database yet: pg_up 0, a failed scrape, one log line however many scrapes.
      Exposition before = Exposition.parse(get(base + "/metrics").body());
      Exposition.parse(get(base + "/metrics").body());
      assertEquals(0, before.get("pg_up"));
      assertEquals(1, before.get("pg_exporter_last_scrape_error"));
      assertEquals(1, Files.readAllLines(exporterLog).stream().filter(l -> l.contains("no PostgreSQL to watch")).count(),
          Files.readString(exporterLog));

      db = EmbeddedDatabase.start(dataDir);
      try (Connection c = DriverManager.getConnection(db.jdbcUrl()); Statement s = c.createStatement()) {
        s.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        s.execute("CREATE TABLE e2e_items (id int PRIMARY KEY)");
        s.execute("INSERT INTO e2e_items SELECT generate_series(1, 25)");
      }

      Path prometheusConfig = dir.resolve("prometheus.yml");
      Files.writeString(prometheusConfig, """
          global:
            scrape_interval: 1s
            scrape_timeout: 1s
          scrape_configs:
            - job_name: promledger-exporter
              static_configs:
                - targets: ['127.0.0.1:%d']
          """.formatted(exporterPort));
      Path prometheusLog = dir.resolve("prometheus.log");
      prometheus = new ProcessBuilder(prometheusBinary.toString(),
          "--config.file=" + prometheusConfig,
          "--storage.tsdb.path=" + dir.resolve("tsdb"),
          "--web.listen-address=127.0.0.1:" + prometheusPort)
          .redirectErrorStream(true)
          .redirectOutput(prometheusLog.toFile())
          .start();
      String api = "http://127.0.0.1:" + prometheusPort;
      awaitOk(api + "/-/ready", prometheus, prometheusLog);

      assertEquals(1, awaitValue(api, "up{job=\"promledger-exporter\"}", 1));
      assertEquals(1, awaitValue(api, "pg_up", 1));
      assertEquals(25, awaitValue(api, "pg_stat_user_tables_n_live_tup{relname=\"e2e_items\"}", 25));
      assertEquals(1, awaitValue(api, "promledger_exporter_collector_up{collector=\"pg_stat_statements\"}", 1));
      assertEquals(42.5, awaitValue(api, "aws_rds_cpuutilization_average{dbinstance_identifier=\"ledger-1\"}", 42.5));
      assertEquals(1, awaitValue(api, "promledger_exporter_collector_up{collector=\"cloudwatch\"}", 1));
      assertEquals(1, awaitValue(api, "count(http_server_requests_total{route=\"/metrics\",status=\"200\"} > 0)", 1));
      // Everything the exporter writes, JVM and HTTP metrics included, passes promtool.
      Promtool.checkMetrics(get(base + "/metrics").body());
    } finally {
      stop(prometheus);
      stop(exporter);
      if (db != null) {
        db.close();
      }
    }
  }

  private double awaitValue(String api, String query, double expected) throws Exception {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    OptionalDouble last = OptionalDouble.empty();
    while (System.nanoTime() < deadline) {
      last = query(api, query);
      if (last.isPresent() && last.getAsDouble() == expected) {
        return expected;
      }
      Thread.sleep(250);
    }
    return fail("Prometheus query " + query + " gave " + last + ", not " + expected + " within " + PATIENCE);
  }

  private OptionalDouble query(String api, String promql) throws Exception {
    HttpResponse<String> r = get(api + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    JsonNode result = json.readTree(r.body()).path("data").path("result");
    if (!result.isArray() || result.isEmpty()) {
      return OptionalDouble.empty();
    }
    return OptionalDouble.of(Double.parseDouble(result.get(0).path("value").get(1).asText()));
  }

  private void awaitOk(String url, Process process, Path log) throws Exception {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        fail(url + ": process exited with " + process.exitValue() + ":\n" + Files.readString(log));
      }
      try {
        if (get(url).statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // still starting
      }
      Thread.sleep(200);
    }
    fail(url + " not ready within " + PATIENCE + ":\n" + Files.readString(log));
  }

  private HttpResponse<String> get(String url) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Ends a process this test started, by its own handle: politely, then forcibly. */
  private static void stop(Process p) throws InterruptedException {
    if (p == null) {
      return;
    }
    p.destroy();
    if (!p.waitFor(20, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
