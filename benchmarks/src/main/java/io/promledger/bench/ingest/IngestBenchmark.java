package io.promledger.bench.ingest;

import com.google.protobuf.ByteString;
import io.promledger.adapter.storage.BinaryCopyBuffer;
import io.promledger.bench.ProcessCpu;
import io.promledger.embedded.EmbeddedDatabase;
import io.promledger.proto.v1.Remote.WriteRequest;
import io.promledger.proto.v1.Types;
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
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.xerial.snappy.Snappy;

/**
 * Drives an adapter process with pre-built remote-write 1.0 payloads, then COPYs the same rows
 * into a table of the same layout and indexes in the same PostgreSQL, and reports both rates,
 * their ratio, CPU seconds per million samples and bytes per sample on disk. Absolute numbers
 * depend on the machine; the ratio, measured in one run, is the figure to compare.
 */
public final class IngestBenchmark {
  private final int series;
  private final int perRequest;
  private final int connections;
  private final Duration duration;
  private final int rounds;
  /**
   * Sending before measuring: series creation and JIT compilation are not steady state. On two
   * cores the adapter's JIT compiler threads stay busy for more than a minute.
   */
  private final Duration warmup;

  private IngestBenchmark(Map<String, String> flags) {
    series = Integer.parseInt(flags.getOrDefault("series", "10000"));
    perRequest = Integer.parseInt(flags.getOrDefault("samples-per-request", "2000"));
    connections = Integer.parseInt(flags.getOrDefault("connections", "2"));
    duration = seconds(flags.getOrDefault("duration", "60s"));
    warmup = seconds(flags.getOrDefault("warmup", "90s"));
    rounds = Integer.parseInt(flags.getOrDefault("rounds", "8000"));
  }

  private static Duration seconds(String flag) {
    return Duration.ofSeconds(Long.parseLong(flag.replace("s", "")));
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> flags = new HashMap<>();
    for (String a : args) {
      String[] kv = a.replaceFirst("^--", "").split("=", 2);
      flags.put(kv[0], kv.length > 1 ? kv[1] : "true");
    }
    int runs = Integer.parseInt(flags.getOrDefault("runs", "1"));
    IngestBenchmark b = new IngestBenchmark(flags);
    for (int i = 1; i <= runs; i++) {
      System.out.printf(Locale.ROOT, "== run %d of %d%n", i, runs);
      b.runOnce();
    }
  }

  private void runOnce() throws Exception {
    Path dir = Files.createTempDirectory("promledger-bench");
    // Rounds 1 ms apart from now: when sent, the samples are seconds old, as Prometheus's are,
    // and above the rollup watermark (a backfill below it would also mark buckets dirty).
    long base = Instant.now().toEpochMilli();
    System.out.printf(Locale.ROOT, "building %d requests (%d series x 8 labels, %d samples each)...%n",
        (long) rounds * series / perRequest, series, perRequest);
    List<byte[]> payloads = buildPayloads(base);
    long payloadBytes = payloads.stream().mapToLong(p -> p.length).sum();
    System.out.printf(Locale.ROOT, "built %d requests, %.1f MiB compressed%n", payloads.size(), payloadBytes / 1048576.0);

    try (EmbeddedDatabase pg = EmbeddedDatabase.start(dir.resolve("db"))) {
      long postmaster = postmasterPid(dir.resolve("db/pgdata"));
      int port = freePort();
      Process adapter = startAdapter(pg.jdbcUrl(), port, dir);
      try {
        awaitReady(port);
        System.out.printf(Locale.ROOT, "warming up for %d s (series creation and JIT compilation)...%n", warmup.toSeconds());
        Result w = driveAdapter(payloads, 0, warmup, port, adapter.pid(), postmaster);
        long warmupStored = count(pg.jdbcUrl(), "SELECT count(*) FROM promledger.samples");
        // Each measured phase starts from a checkpoint: neither pays for the other's dirty pages.
        checkpoint(pg.jdbcUrl());
        Map<String, Double> before = adapterMetrics(port);
        Result a = driveAdapter(payloads, w.requests, duration, port, adapter.pid(), postmaster);
        Map<String, Double> after = adapterMetrics(port);
        if (w.requests + a.requests >= payloads.size()) {
          System.out.println("warning: the adapter sent every pre-built request before the time was up; raise --rounds");
        }
        long stored = count(pg.jdbcUrl(), "SELECT count(*) FROM promledger.samples") - warmupStored;
        long samplesBytes = count(pg.jdbcUrl(),
            "SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = 'promledger.samples'::regclass");
        long seriesBytes = count(pg.jdbcUrl(), "SELECT pg_total_relation_size('promledger.series')");
        adapter.destroy();
        adapter.waitFor(60, TimeUnit.SECONDS);

        checkpoint(pg.jdbcUrl());
        Result c = rawCopy(pg.jdbcUrl(), a.samples, base, postmaster);
        long copyBytes = count(pg.jdbcUrl(),
            "SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = 'public.copy_baseline'::regclass");
        System.out.printf(Locale.ROOT, "adapter:  %,d samples acknowledged in %.2f s = %,.0f samples/s; stored %,d rows; "
                + "adapter CPU %.2f s/M samples, PostgreSQL CPU %.2f s/M; 503 retries %d%n",
            a.samples, a.seconds, a.samples / a.seconds, stored, a.clientCpu * 1e6 / a.samples, a.serverCpu * 1e6 / a.samples, a.retries);
        double commits = delta(before, after, "promledger_ingest_commit_duration_seconds_count");
        System.out.printf(Locale.ROOT, "          %,.0f commits, %.0f samples and %.2f ms each on average; %.2f ms per request round trip%n",
            commits, delta(before, after, "promledger_ingest_commit_batch_samples_sum") / commits,
            delta(before, after, "promledger_ingest_commit_duration_seconds_sum") * 1000 / commits,
            a.seconds * 1000 * connections / a.requests);
        System.out.printf(Locale.ROOT, "raw COPY: %,d rows in %.2f s = %,.0f rows/s (binary COPY, %d connections, 100,000 rows per commit, "
                + "same layout and primary key); PostgreSQL CPU %.2f s/M%n",
            c.samples, c.seconds, c.samples / c.seconds, connections, c.serverCpu * 1e6 / c.samples);
        System.out.printf(Locale.ROOT, "ratio adapter / raw COPY = %.2f%n", (a.samples / a.seconds) / (c.samples / c.seconds));
        System.out.printf(Locale.ROOT, "on disk: %.1f bytes/sample in samples (+ %.1f for series), raw COPY table %.1f bytes/row%n",
            (double) samplesBytes / (stored + warmupStored), (double) seriesBytes / (stored + warmupStored), (double) copyBytes / c.samples);
      } finally {
        adapter.destroyForcibly();
      }
    } finally {
      try (var walk = Files.walk(dir)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private List<byte[]> buildPayloads(long base) throws IOException {
    ByteString[][] names = new ByteString[series][];
    ByteString[][] values = new ByteString[series][];
    String[] labelNames = {"__name__", "instance", "job", "mode", "pod", "region", "service", "zone"};
    for (int s = 0; s < series; s++) {
      names[s] = new ByteString[8];
      values[s] = new ByteString[8];
      String[] v = {
        "bench_metric_" + (s % 50) + "_total", "host-" + (s / 100) + ":9100", "bench", "m" + (s % 8),
        "pod-" + s, "eu-west-1", "svc-" + (s % 20), "eu-west-1" + "abc".charAt(s % 3)
      };
      for (int l = 0; l < 8; l++) {
        names[s][l] = ByteString.copyFromUtf8(labelNames[l]);
        values[s][l] = ByteString.copyFromUtf8(v[l]);
      }
    }
    List<byte[]> out = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      long ts = base + r;
      for (int from = 0; from < series; from += perRequest) {
        WriteRequest.Builder req = WriteRequest.newBuilder();
        for (int s = from; s < Math.min(series, from + perRequest); s++) {
          Types.TimeSeries.Builder t = req.addTimeseriesBuilder();
          for (int l = 0; l < 8; l++) {
            t.addLabels(Types.Label.newBuilder().setName(names[s][l]).setValue(values[s][l]));
          }
          t.addSamples(Types.Sample.newBuilder().setTimestamp(ts).setValue(r + s * 0.5));
        }
        out.add(Snappy.compress(req.build().toByteArray()));
      }
    }
    return out;
  }

  record Result(long samples, int requests, double seconds, double clientCpu, double serverCpu, long retries) {}

  /** Sends {@code payloads} from index {@code first} on for {@code time}; requests counts those acknowledged. */
  private Result driveAdapter(List<byte[]> payloads, int first, Duration time, int port, long adapterPid, long postmaster)
      throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + port + "/api/v1/write");
    AtomicInteger next = new AtomicInteger(first);
    AtomicLong acked = new AtomicLong();
    AtomicLong retries = new AtomicLong();
    long deadline = System.nanoTime() + time.toNanos();
    double adapterCpu0 = ProcessCpu.of(adapterPid);
    double pgCpu0 = ProcessCpu.ofServer(postmaster);
    long start = System.nanoTime();
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < connections; c++) {
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      Thread t = new Thread(() -> {
        int i;
        while (System.nanoTime() < deadline && (i = next.getAndIncrement()) < payloads.size()) {
          HttpRequest req = HttpRequest.newBuilder(uri)
              .header("Content-Type", "application/x-protobuf").header("Content-Encoding", "snappy")
              .header("X-Prometheus-Remote-Write-Version", "0.1.0")
              .POST(HttpRequest.BodyPublishers.ofByteArray(payloads.get(i))).build();
          while (true) {
            try {
              HttpResponse<Void> r = http.send(req, HttpResponse.BodyHandlers.discarding());
              if (r.statusCode() == 204) {
                acked.addAndGet(perRequest);
                break;
              }
              if (r.statusCode() != 503) {
                throw new IllegalStateException("adapter answered " + r.statusCode());
              }
              retries.incrementAndGet();
            } catch (IOException e) {
              retries.incrementAndGet();
            } catch (InterruptedException e) {
              return;
            }
          }
        }
      });
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    return new Result(acked.get(), (int) (acked.get() / perRequest), seconds, ProcessCpu.of(adapterPid) - adapterCpu0,
        ProcessCpu.ofServer(postmaster) - pgCpu0, retries.get());
  }

  /** The same rows the adapter stored, COPYed by {@code connections} connections. */
  private Result rawCopy(String jdbcUrl, long rows, long base, long postmaster) throws Exception {
    try (Connection c = DriverManager.getConnection(jdbcUrl); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE public.copy_baseline (series_id bigint NOT NULL, ts timestamptz NOT NULL, "
          + "value double precision NOT NULL, PRIMARY KEY (ts, series_id)) PARTITION BY RANGE (ts)");
      LocalDate first = LocalDate.ofInstant(Instant.ofEpochMilli(base), ZoneOffset.UTC);
      for (int d = -1; d <= 2; d++) {
        LocalDate day = first.plusDays(d);
        s.execute("CREATE TABLE public.copy_baseline_" + day.toString().replace("-", "") + " PARTITION OF public.copy_baseline "
            + "FOR VALUES FROM ('" + day + " 00:00:00+00') TO ('" + day.plusDays(1) + " 00:00:00+00')");
      }
    }
    int batch = 100_000;
    long batches = (rows + batch - 1) / batch;
    AtomicLong nextBatch = new AtomicLong();
    double pgCpu0 = ProcessCpu.ofServer(postmaster);
    List<Connection> conns = new ArrayList<>();
    for (int i = 0; i < connections; i++) {
      Connection c = DriverManager.getConnection(jdbcUrl);
      c.setAutoCommit(false);
      conns.add(c);
    }
    long start = System.nanoTime();
    List<Thread> threads = new ArrayList<>();
    for (Connection c : conns) {
      Thread t = new Thread(() -> {
        long b;
        try {
          while ((b = nextBatch.getAndIncrement()) < batches) {
            CopyIn in = c.unwrap(PGConnection.class).getCopyAPI().copyIn(
                "COPY public.copy_baseline (series_id, ts, value) FROM STDIN (FORMAT binary)");
            BinaryCopyBuffer buf = new BinaryCopyBuffer(in);
            for (long row = b * batch; row < Math.min(rows, (b + 1) * batch); row++) {
              long round = row / series;
              int s = (int) (row % series);
              buf.startRow(3);
              buf.int8(s + 1);
              buf.timestampMillis(base + round);
              buf.float8(round + s * 0.5);
            }
            buf.finish();
            c.commit();
          }
        } catch (SQLException e) {
          throw new IllegalStateException(e);
        }
      });
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    double cpu = ProcessCpu.ofServer(postmaster) - pgCpu0;
    for (Connection c : conns) {
      c.close();
    }
    return new Result(rows, 0, seconds, 0, cpu, 0);
  }

  private static Process startAdapter(String jdbcUrl, int port, Path dir) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx2g"));
    // e.g. ADAPTER_JAVA_OPTS=-XX:StartFlightRecording=filename=adapter.jfr to profile the adapter
    String extra = System.getenv("ADAPTER_JAVA_OPTS");
    if (extra != null && !extra.isBlank()) {
      cmd.addAll(List.of(extra.trim().split("\\s+")));
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.promledger.adapter.cli.Main", "serve",
        "--db.url=" + jdbcUrl, "--web.listen-address=127.0.0.1:" + port, "--log.level=warn", "--rollup.interval=1h"));
    // e.g. ADAPTER_ARGS=--ingest.writers=1 to compare adapter settings
    String args = System.getenv("ADAPTER_ARGS");
    if (args != null && !args.isBlank()) {
      cmd.addAll(List.of(args.trim().split("\\s+")));
    }
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("adapter.log").toFile()).start();
  }

  private static void awaitReady(int port) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    for (int i = 0; i < 300; i++) {
      try {
        if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/-/ready")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // starting
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("adapter not ready within 60 s");
  }

  private static void checkpoint(String jdbcUrl) throws SQLException {
    try (Connection c = DriverManager.getConnection(jdbcUrl); Statement s = c.createStatement()) {
      s.execute("CHECKPOINT");
    }
  }

  /** The adapter's own counters and histogram sums, by series name without labels. */
  private static Map<String, Double> adapterMetrics(int port) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    String text = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    Map<String, Double> out = new HashMap<>();
    for (String line : text.split("\n")) {
      if (line.startsWith("#") || line.isBlank()) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      String name = line.substring(0, space).replaceFirst("\\{.*", "");
      out.merge(name, Double.parseDouble(line.substring(space + 1)), Double::sum);
    }
    return out;
  }

  private static double delta(Map<String, Double> before, Map<String, Double> after, String name) {
    return after.getOrDefault(name, 0.0) - before.getOrDefault(name, 0.0);
  }

  private static long postmasterPid(Path dataDir) throws IOException {
    return Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0).trim());
  }

  private static long count(String jdbcUrl, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(jdbcUrl); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
