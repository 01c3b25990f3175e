package io.promledger.bench.exporter;

import io.promledger.embedded.EmbeddedDatabase;
import io.promledger.bench.ProcessCpu;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Scrape time and CPU of the promledger exporter against postgres_exporter (Debian's
 * prometheus-postgres-exporter), both watching the same embedded PostgreSQL with 1,000 tables (each
 * with a primary-key index) and 5,000 distinct statements in pg_stat_statements. Each exporter runs
 * alone as its own process, is scraped sequentially (warm-up first), and is measured by wall time per
 * scrape and by CPU seconds per scrape of its process and of the PostgreSQL server.
 *
 * <p>postgres_exporter 0.11 reads tables, indexes and statements through {@code
 * --extend.query-path}; the queries given to it cover the same rows and columns as the promledger
 * exporter's, with the same top-N statement limit.
 *
 * <pre>
 * mvn -q -B -pl benchmarks,exporter -am package dependency:build-classpath \
 *     -Dmdep.outputFile=target/classpath.txt -DskipTests
 * java -cp benchmarks/target/classes:$(cat benchmarks/target/classpath.txt) \
 *     io.promledger.bench.exporter.ExporterScrapeBenchmark [exporter/target/promledger-exporter.jar] [scrapes]
 * </pre>
 */
public final class ExporterScrapeBenchmark {
  static final int TABLES = 1_000;
  static final int STATEMENT_SHAPES = 5;
  static final int WARMUP = 20;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  record Result(String name, double medianSeconds, double p90Seconds, double cpuPerScrape, double dbCpuPerScrape,
      long samples, long bytes) {}

  public static void main(String[] args) throws Exception {
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
        .setLevel(ch.qos.logback.classic.Level.WARN);
    Path jar = Path.of(args.length > 0 ? args[0] : "exporter/target/promledger-exporter.jar").toAbsolutePath();
    int scrapes = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    Path postgresExporter = Path.of("/usr/bin/prometheus-postgres-exporter");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " not found: build it with mvn -pl exporter -am package");
    }
    if (!Files.isExecutable(postgresExporter)) {
      throw new IllegalStateException(postgresExporter + " not found: apt-get install -y prometheus-postgres-exporter");
    }
    Path dir = Files.createTempDirectory("exporter-bench");
    try (EmbeddedDatabase db = EmbeddedDatabase.start(dir, Map.of("pg_stat_statements.max", "10000"))) {
      long postmaster = Long.parseLong(Files.readAllLines(dir.resolve("pgdata/postmaster.pid")).get(0).trim());
      prepare(db.jdbcUrl());
      new ExporterScrapeBenchmark().run(jar, postgresExporter, db, postmaster, scrapes);
    }
  }

  private void run(Path jar, Path postgresExporter, EmbeddedDatabase db, long postmaster, int scrapes) throws Exception {
    List<Result> results = new ArrayList<>();
    for (int limit : new int[] {100, 5_000}) {
      results.add(measure("promledger-exporter limit=" + limit, postmaster, scrapes, port -> new ProcessBuilder(
          "java", "-jar", jar.toString(), "--web.listen-address=127.0.0.1:" + port, "--db.url=" + db.jdbcUrl(),
          "--no-collector.cloudwatch", "--pg_stat_statements.limit=" + limit, "--log.level=warn")));
      Path queries = Files.createTempFile("queries", ".yaml");
      Files.writeString(queries, postgresExporterQueries(limit));
      results.add(measure("postgres_exporter   limit=" + limit, postmaster, scrapes, port -> {
        ProcessBuilder pb = new ProcessBuilder(postgresExporter.toString(), "--web.listen-address=127.0.0.1:" + port,
            "--extend.query-path=" + queries, "--log.level=warn");
        pb.environment().put("DATA_SOURCE_NAME",
            "postgresql://postgres@127.0.0.1:" + db.port() + "/postgres?sslmode=disable");
        return pb;
      }));
    }
    System.out.printf("%n%-32s %12s %12s %14s %14s %9s %10s%n", "exporter", "median (ms)", "p90 (ms)",
        "CPU/scrape ms", "DB CPU/scr ms", "samples", "bytes");
    for (Result r : results) {
      System.out.printf("%-32s %12.1f %12.1f %14.1f %14.1f %9d %10d%n", r.name, r.medianSeconds * 1e3, r.p90Seconds * 1e3,
          r.cpuPerScrape * 1e3, r.dbCpuPerScrape * 1e3, r.samples, r.bytes);
    }
    for (int i = 0; i < results.size(); i += 2) {
      Result ours = results.get(i);
      Result theirs = results.get(i + 1);
      System.out.printf("%s vs postgres_exporter: scrape time ratio %.2f, exporter CPU ratio %.2f, database CPU ratio %.2f"
              + " (below 1 means promledger is cheaper)%n", ours.name.trim(), ours.medianSeconds / theirs.medianSeconds,
          ours.cpuPerScrape / theirs.cpuPerScrape, ours.dbCpuPerScrape / theirs.dbCpuPerScrape);
    }
  }

  interface Launcher {
    ProcessBuilder at(int port);
  }

  private Result measure(String name, long postmaster, int scrapes, Launcher launcher) throws Exception {
    int port = freePort();
    Path log = Files.createTempFile("exporter", ".log");
    Process p = launcher.at(port).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      String url = "http://127.0.0.1:" + port + "/metrics";
      awaitUp(url, p, log);
      String body = "";
      for (int i = 0; i < WARMUP; i++) {
        body = scrape(url);
      }
      double cpu0 = ProcessCpu.of(p.pid());
      double db0 = ProcessCpu.ofServer(postmaster);
      double[] seconds = new double[scrapes];
      for (int i = 0; i < scrapes; i++) {
        long t = System.nanoTime();
        body = scrape(url);
        seconds[i] = (System.nanoTime() - t) / 1e9;
      }
      double cpu = (ProcessCpu.of(p.pid()) - cpu0) / scrapes;
      double dbCpu = (ProcessCpu.ofServer(postmaster) - db0) / scrapes;
      Arrays.sort(seconds);
      long samples = body.lines().filter(l -> !l.isEmpty() && !l.startsWith("#")).count();
      Result r = new Result(name, seconds[scrapes / 2], seconds[(int) Math.ceil(scrapes * 0.9) - 1], cpu, dbCpu, samples,
          body.length());
      System.out.printf("measured %s: median %.1f ms, %d samples%n", name.trim(), r.medianSeconds * 1e3, samples);
      return r;
    } finally {
      p.destroy();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }

  private String scrape(String url) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(url + " answered " + r.statusCode() + ": " + r.body());
    }
    return r.body();
  }

  private void awaitUp(String url, Process p, Path log) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new IllegalStateException(url + ": exporter exited: " + Files.readString(log));
      }
      try {
        if (scrape(url).contains("pg_up 1")) {
          return;
        }
      } catch (IOException | IllegalStateException notYet) {
        // still starting
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException(url + " did not report pg_up 1: " + Files.readString(log));
  }

  /** 1,000 tables with a primary key and 10 rows each, then five statement shapes per table. */
  static void prepare(String url) throws SQLException {
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
      s.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
      s.execute("CREATE SCHEMA bench");
      for (int t = 0; t < TABLES; t++) {
        s.addBatch("CREATE TABLE bench.t" + t + " (id int PRIMARY KEY, v text)");
        s.addBatch("INSERT INTO bench.t" + t + " SELECT g, 'v' || g FROM generate_series(1, 10) g");
      }
      s.executeBatch();
      s.execute("SELECT pg_stat_statements_reset()");
      String[] shapes = {
        "SELECT count(*) FROM bench.t%d",
        "SELECT v FROM bench.t%d WHERE id = 1",
        "SELECT max(id) FROM bench.t%d",
        "SELECT id FROM bench.t%d ORDER BY v LIMIT 1",
        "UPDATE bench.t%d SET v = v WHERE id = 2",
      };
      for (int t = 0; t < TABLES; t++) {
        for (String shape : shapes) {
          s.addBatch(shape.formatted(t));
        }
      }
      s.executeBatch();
      try (var rs = s.executeQuery("SELECT count(*) FROM pg_stat_statements")) {
        rs.next();
        System.out.printf("prepared %d tables and %d statements in pg_stat_statements%n", TABLES, rs.getLong(1));
      }
    }
  }

  /** The same rows and columns as the promledger exporter reads, in postgres_exporter 0.11's query format. */
  static String postgresExporterQueries(int limit) {
    return """
        pg_stat_user_tables:
          query: "SELECT current_database() AS datname, schemaname, relname, seq_scan, seq_tup_read, COALESCE(idx_scan, 0) AS idx_scan, COALESCE(idx_tup_fetch, 0) AS idx_tup_fetch, n_live_tup, n_dead_tup, pg_table_size(relid) AS table_size_bytes, pg_indexes_size(relid) AS index_size_bytes FROM pg_stat_user_tables"
          metrics:
            - datname: {usage: "LABEL", description: "database"}
            - schemaname: {usage: "LABEL", description: "schema"}
            - relname: {usage: "LABEL", description: "table"}
            - seq_scan: {usage: "COUNTER", description: "sequential scans"}
            - seq_tup_read: {usage: "COUNTER", description: "rows read by sequential scans"}
            - idx_scan: {usage: "COUNTER", description: "index scans"}
            - idx_tup_fetch: {usage: "COUNTER", description: "rows fetched by index scans"}
            - n_live_tup: {usage: "GAUGE", description: "live rows"}
            - n_dead_tup: {usage: "GAUGE", description: "dead rows"}
            - table_size_bytes: {usage: "GAUGE", description: "table size"}
            - index_size_bytes: {usage: "GAUGE", description: "index size"}
        pg_stat_user_indexes:
          query: "SELECT current_database() AS datname, schemaname, relname, indexrelname, idx_scan, idx_tup_read, pg_relation_size(indexrelid) AS size_bytes FROM pg_stat_user_indexes"
          metrics:
            - datname: {usage: "LABEL", description: "database"}
            - schemaname: {usage: "LABEL", description: "schema"}
            - relname: {usage: "LABEL", description: "table"}
            - indexrelname: {usage: "LABEL", description: "index"}
            - idx_scan: {usage: "COUNTER", description: "index scans"}
            - idx_tup_read: {usage: "COUNTER", description: "index entries read"}
            - size_bytes: {usage: "GAUGE", description: "index size"}
        pg_stat_statements:
          query: "SELECT r.rolname AS usr, d.datname, s.queryid::text AS queryid, s.calls, s.total_exec_time / 1000 AS seconds, s.total_plan_time / 1000 AS plan_seconds, s.rows, s.shared_blks_hit, s.shared_blks_read, s.blk_read_time / 1000 AS block_read_seconds, s.blk_write_time / 1000 AS block_write_seconds FROM pg_stat_statements(false) s JOIN pg_roles r ON r.oid = s.userid JOIN pg_database d ON d.oid = s.dbid ORDER BY s.total_exec_time DESC LIMIT %d"
          master: true
          metrics:
            - usr: {usage: "LABEL", description: "user"}
            - datname: {usage: "LABEL", description: "database"}
            - queryid: {usage: "LABEL", description: "query id"}
            - calls: {usage: "COUNTER", description: "calls"}
            - seconds: {usage: "COUNTER", description: "execution time"}
            - plan_seconds: {usage: "COUNTER", description: "planning time"}
            - rows: {usage: "COUNTER", description: "rows"}
            - shared_blks_hit: {usage: "COUNTER", description: "shared block hits"}
            - shared_blks_read: {usage: "COUNTER", description: "shared block reads"}
            - block_read_seconds: {usage: "COUNTER", description: "block read time"}
            - block_write_seconds: {usage: "COUNTER", description: "block write time"}
        """.formatted(limit);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
