package io.promledger.adapter.support;

import io.promledger.adapter.Adapter;
import io.promledger.adapter.cli.ServeCommand;
import io.promledger.embedded.EmbeddedDatabase;
import java.io.IOException;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.xerial.snappy.Snappy;
import picocli.CommandLine;

/**
 * A real adapter on 127.0.0.1 and an ephemeral port, over its own embedded PostgreSQL, plus an
 * HTTP client that speaks remote write to it. One per test class; {@link #close()} removes all.
 */
public final class TestAdapter implements AutoCloseable {
  public static final String V1_TYPE = "application/x-protobuf";
  public static final String V2_TYPE = "application/x-protobuf;proto=io.prometheus.write.v2.Request";

  private final Path dir;
  private EmbeddedDatabase postgres;
  private Adapter adapter;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private TestAdapter(Path dir, EmbeddedDatabase postgres) {
    this.dir = dir;
    this.postgres = postgres;
  }

  /** Starts PostgreSQL and an adapter with {@code flags} added to the defaults. */
  public static TestAdapter start(String... flags) {
    try {
      Path dir = Files.createTempDirectory("promledger-test");
      TestAdapter t = new TestAdapter(dir, EmbeddedDatabase.start(dir.resolve("db")));
      t.startAdapter(flags);
      return t;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Starts the adapter again (after {@link #stopAdapter()}) on the same database. */
  public void startAdapter(String... flags) {
    List<String> args = new ArrayList<>(List.of("--db.url=" + postgres.jdbcUrl(), "--web.listen-address=127.0.0.1:0"));
    args.addAll(List.of(flags));
    ServeCommand cmd = CommandLine.populateCommand(new ServeCommand(), args.toArray(String[]::new));
    adapter = Adapter.start(cmd.settings());
    long deadline = System.currentTimeMillis() + 30_000;
    while (!adapter.ready()) {
      if (System.currentTimeMillis() > deadline) {
        throw new IllegalStateException("adapter not ready within 30 s");
      }
      sleep(50);
    }
  }

  public void stopAdapter() {
    adapter.close();
  }

  public Adapter adapter() {
    return adapter;
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + adapter.port();
  }

  public String jdbcUrl() {
    return postgres.jdbcUrl();
  }

  public EmbeddedDatabase postgres() {
    return postgres;
  }

  /** Stops PostgreSQL; {@link #startPostgres()} brings it back on the same port and data. */
  public void stopPostgres() {
    postgres.close();
  }

  public void startPostgres() {
    postgres = EmbeddedDatabase.start(dir.resolve("db"), Map.of(), postgres.port());
  }

  /** Sends a remote-write 1.0 message. */
  public HttpResponse<String> write(io.promledger.proto.v1.Remote.WriteRequest request) {
    return post(compress(request.toByteArray()), Map.of("Content-Type", V1_TYPE, "Content-Encoding", "snappy",
        "X-Prometheus-Remote-Write-Version", "0.1.0"));
  }

  /** Sends a remote-write 2.0 message. */
  public HttpResponse<String> write(io.promledger.proto.v2.Types.Request request) {
    return post(compress(request.toByteArray()), Map.of("Content-Type", V2_TYPE, "Content-Encoding", "snappy",
        "X-Prometheus-Remote-Write-Version", "2.0.0"));
  }

  public HttpResponse<String> post(byte[] body, Map<String, String> headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl() + "/api/v1/write"))
        .timeout(Duration.ofSeconds(60))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach(b::header);
    return send(b.build());
  }

  public HttpResponse<String> get(String path) {
    return send(HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(30)).GET().build());
  }

  private HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public static byte[] compress(byte[] raw) {
    try {
      return Snappy.compress(raw);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Runs a query and returns its rows, each column as text (NULL as null). */
  public List<List<String>> query(String sql) {
    try (Connection c = DriverManager.getConnection(postgres.jdbcUrl());
        Statement s = c.createStatement()) {
      s.execute("SET search_path TO promledger, public");
      s.execute("SET TIME ZONE 'UTC'");
      List<List<String>> rows = new ArrayList<>();
      try (ResultSet rs = s.executeQuery(sql)) {
        int n = rs.getMetaData().getColumnCount();
        while (rs.next()) {
          List<String> row = new ArrayList<>(n);
          for (int i = 1; i <= n; i++) {
            row.add(rs.getString(i));
          }
          rows.add(row);
        }
      }
      return rows;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The single value of a one-row, one-column query. */
  public String scalar(String sql) {
    List<List<String>> rows = query(sql);
    if (rows.size() != 1 || rows.get(0).size() != 1) {
      throw new IllegalStateException("expected one value from " + sql + " but got " + rows);
    }
    return rows.get(0).get(0);
  }

  public long count(String sql) {
    return Long.parseLong(scalar(sql));
  }

  public void execute(String sql) {
    try (Connection c = DriverManager.getConnection(postgres.jdbcUrl());
        Statement s = c.createStatement()) {
      s.execute("SET search_path TO promledger, public");
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The value of one sample of a metric family on /metrics, summed over matching label sets. */
  public double metric(String name, String... labelPairs) {
    String text = get("/metrics").body();
    double sum = 0;
    boolean found = false;
    for (String line : text.split("\n")) {
      if (line.startsWith("#") || !(line.startsWith(name + "{") || line.startsWith(name + " "))) {
        continue;
      }
      boolean match = true;
      for (int i = 0; i < labelPairs.length; i += 2) {
        match &= line.contains(labelPairs[i] + "=\"" + labelPairs[i + 1] + "\"");
      }
      if (match) {
        found = true;
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return found ? sum : 0;
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    try {
      if (adapter != null) {
        adapter.close();
      }
    } finally {
      postgres.close();
      deleteRecursively(dir);
    }
  }

  static void deleteRecursively(Path p) {
    try (var walk = Files.walk(p)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException ignored) {
      // best effort
    }
  }
}
