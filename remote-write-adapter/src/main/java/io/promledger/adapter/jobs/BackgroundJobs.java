package io.promledger.adapter.jobs;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.promledger.adapter.config.RetentionOptions;
import io.promledger.adapter.pricing.PriceList;
import io.promledger.adapter.retention.RetentionJob;
import io.promledger.adapter.retention.RetentionMetrics;
import io.promledger.adapter.retention.RetentionPolicy;
import io.promledger.adapter.rollup.RollupJob;
import io.promledger.adapter.rollup.RollupMetrics;
import io.promledger.adapter.storage.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The jobs that run on a schedule inside {@code serve}: rollups, then retention. Several adapter
 * replicas may share one database; a session-level advisory lock makes one of them run the jobs
 * at a time, and the others skip their turn.
 */
public final class BackgroundJobs implements AutoCloseable {
  /** The advisory lock key of the background jobs ('promledg' in ASCII). */
  public static final long LOCK_KEY = 0x70726f6d6c656467L;

  private static final Logger log = LoggerFactory.getLogger(BackgroundJobs.class);

  private final Database database;
  private final RollupJob rollup;
  private final RetentionJob retention;
  private final JobMetrics metrics;
  private final ScheduledExecutorService scheduler;

  private BackgroundJobs(Database database, RollupJob rollup, RetentionJob retention, JobMetrics metrics) {
    this.database = database;
    this.rollup = rollup;
    this.retention = retention;
    this.metrics = metrics;
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "promledger-jobs");
              t.setDaemon(true);
              return t;
            });
  }

  /** Validates the configuration (one clear line on a bad one) and starts the schedule. */
  public static BackgroundJobs start(
      Database database, PrometheusRegistry registry, JobOptions options, RetentionOptions retention) {
    RetentionPolicy policy = RetentionPolicy.of(retention, options.lateDataHorizon);
    if (options.interval.isNegative() || options.interval.isZero()) {
      throw new IllegalArgumentException("--rollup.interval must be positive");
    }
    if (options.pricingFile != null) {
      PriceList.load(options.pricingFile);
    }
    RollupJob rollup = new RollupJob(database.dataSource(), options.delay, options.gaugeMaxGap, new RollupMetrics(registry));
    RetentionJob retentionJob = new RetentionJob(database.dataSource(), policy, new RetentionMetrics(registry));
    BackgroundJobs jobs = new BackgroundJobs(database, rollup, retentionJob, new JobMetrics(registry));
    long period = options.interval.toMillis();
    jobs.scheduler.scheduleWithFixedDelay(jobs::tick, Math.min(period, 5_000), period, TimeUnit.MILLISECONDS);
    return jobs;
  }

  private void tick() {
    try (Connection lock = database.dataSource().getConnection()) {
      if (!tryLock(lock)) {
        log.debug("msg=\"background jobs run elsewhere\"");
        return;
      }
      try {
        run("rollup", () -> rollup.runOnce(Instant.now()));
        run("retention", () -> retention.runOnce(Instant.now()));
      } finally {
        unlock(lock);
      }
    } catch (SQLException e) {
      log.warn("msg=\"background jobs skipped: database unavailable\" err=\"{}\"", e.getMessage());
    } catch (RuntimeException e) {
      log.error("msg=\"background jobs failed\"", e);
    }
  }

  private interface Step {
    void run() throws SQLException;
  }

  private void run(String job, Step step) {
    long started = System.nanoTime();
    boolean ok = false;
    try {
      step.run();
      ok = true;
    } catch (SQLException | RuntimeException e) {
      log.warn("msg=\"job failed\" job={} err=\"{}\"", job, e.getMessage());
    } finally {
      metrics.observe(job, started, ok);
    }
  }

  static boolean tryLock(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
      ps.setLong(1, LOCK_KEY);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getBoolean(1);
      }
    }
  }

  /** Waits for the lock (for on-demand runs from the command line). */
  public static void lock(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_lock(?)")) {
      ps.setLong(1, LOCK_KEY);
      ps.executeQuery().close();
    }
  }

  public static void unlock(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_unlock(?)")) {
      ps.setLong(1, LOCK_KEY);
      ps.executeQuery().close();
    }
  }

  @Override
  public void close() {
    rollup.stop();
    scheduler.shutdownNow();
    try {
      if (!scheduler.awaitTermination(10, TimeUnit.SECONDS)) {
        log.warn("msg=\"background jobs still running at shutdown\"");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
