package io.promledger.adapter.storage;

import io.promledger.adapter.metrics.AdapterMetrics;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the database usable: applies migrations as soon as the server is reachable (the adapter
 * starts and answers 503 while it is not), creates sample partitions ahead of time, trims
 * exemplars, and tracks whether PostgreSQL answers.
 */
public final class StorageMaintenance implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StorageMaintenance.class);
  private static final int DAYS_AHEAD = 3;

  private final Database database;
  private final AdapterMetrics metrics;
  private final Duration rawRetention;
  private final Duration exemplarRetention;
  private final ScheduledExecutorService executor =
      Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "promledger-maintenance");
        t.setDaemon(true);
        return t;
      });
  private volatile boolean migrated;
  private volatile boolean reachable;
  private volatile long lastPartitionCheckMs;
  private String lastError = "";

  public StorageMaintenance(Database database, AdapterMetrics metrics, Duration rawRetention, Duration exemplarRetention) {
    this.database = database;
    this.metrics = metrics;
    this.rawRetention = rawRetention;
    this.exemplarRetention = exemplarRetention;
  }

  /** Migrates now if possible, then checks every few seconds. */
  public void start() {
    tick();
    executor.scheduleWithFixedDelay(this::tick, 2, 2, TimeUnit.SECONDS);
  }

  /** True once the schema is migrated and the last check reached PostgreSQL. */
  public boolean ready() {
    return migrated && reachable;
  }

  public boolean migrated() {
    return migrated;
  }

  private synchronized void tick() {
    try {
      if (!migrated) {
        database.migrate();
        migrated = true;
      }
      reachable = database.isReachable();
      metrics.databaseUp.set(reachable ? 1 : 0);
      long now = System.currentTimeMillis();
      if (reachable && now - lastPartitionCheckMs > 5 * 60_000L) {
        database.ensurePartitions(daysBack(rawRetention), DAYS_AHEAD);
        trimExemplars();
        lastPartitionCheckMs = now;
      }
      if (reachable) {
        metrics.partitionsAhead.set(partitionsAhead());
      }
      if (!lastError.isEmpty() && reachable) {
        log.info("msg=\"database reachable again\" url={}", database.displayUrl());
        lastError = "";
      }
    } catch (SQLException | RuntimeException e) {
      reachable = false;
      metrics.databaseUp.set(0);
      String message = rootMessage(e) + "; check --db.url and that the server is running";
      if (!message.equals(lastError)) {
        log.warn("msg=\"database not usable; writes are answered 503 until it is\" url={} error=\"{}\"", database.displayUrl(), message);
        lastError = message;
      }
    }
  }

  /** The innermost message: "Connection refused" tells more than the pool's own timeout. */
  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m = t.getMessage() == null ? t.toString() : t.getMessage();
    return m.lines().findFirst().orElse(m);
  }

  /** The partition of {@code samples} for a UTC day (created by ensure_sample_partitions). */
  public static String partitionName(LocalDate day) {
    return "samples_" + day.format(java.time.format.DateTimeFormatter.BASIC_ISO_DATE);
  }

  /** Creates partitions around a day that has none (a late or early sample); called by writers. */
  public void ensurePartitionsCovering(long fromMs, long toMs) throws SQLException {
    LocalDate from = LocalDate.ofInstant(java.time.Instant.ofEpochMilli(fromMs), ZoneOffset.UTC);
    LocalDate to = LocalDate.ofInstant(java.time.Instant.ofEpochMilli(toMs), ZoneOffset.UTC);
    database.ensurePartitions(from, (int) (to.toEpochDay() - from.toEpochDay()) + 1);
  }

  /**
   * Days of partitions kept behind today: the oldest accepted sample (now - raw retention) lies
   * in the day that many days back. One more would create a day that retention drops again.
   */
  public static int daysBack(Duration rawRetention) {
    return (int) Math.max(1, (rawRetention.toSeconds() + 86_399) / 86_400);
  }

  private int partitionsAhead() throws SQLException {
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    int ahead = 0;
    try (Connection c = database.dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
      for (int i = 1; i <= 7; i++) {
        ps.setString(1, database.schema() + "." + partitionName(today.plusDays(i)));
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          if (!rs.getBoolean(1)) {
            break;
          }
          ahead = i;
        }
      }
    }
    return ahead;
  }

  private void trimExemplars() throws SQLException {
    try (Connection c = database.dataSource().getConnection();
        Statement s = c.createStatement()) {
      int n = s.executeUpdate("DELETE FROM exemplars WHERE ts < now() - interval '" + exemplarRetention.toSeconds() + " seconds'");
      if (n > 0) {
        log.info("msg=\"exemplars trimmed\" rows={}", n);
      }
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
    try {
      executor.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
