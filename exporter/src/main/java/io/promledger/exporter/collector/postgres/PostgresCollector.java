package io.promledger.exporter.collector.postgres;

import io.promledger.exporter.collector.CollectorStatus;
import io.promledger.exporter.collector.Families;
import io.promledger.exporter.collector.ScrapeTimeout;
import io.promledger.exporter.collector.Source;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL metrics, read from the server at scrape time. Every part (server figures, each
 * database's tables and indexes, pg_stat_statements) is tried on its own: a failing part is
 * counted in {@code promledger_exporter_collector_errors_total} and {@code
 * pg_exporter_last_scrape_error}, and the rest is still written. A scrape that cannot reach the
 * server at all answers {@code pg_up 0} and {@code pg_exporter_last_scrape_error 1}. Scrapes take turns on the same
 * connections; one that cannot get its turn within the collection timeout reports an error.
 */
public final class PostgresCollector implements Source {
  private static final Logger log = LoggerFactory.getLogger(PostgresCollector.class);

  private final PostgresOptions options;
  private final Connections connections;
  private final ReentrantLock turn = new ReentrantLock();
  private final CollectorStatus status = new CollectorStatus("postgres");
  private final CollectorStatus statementsStatus = new CollectorStatus("pg_stat_statements");
  private final LogOnce unreachable = new LogOnce();
  private final LogOnce statementsUnavailable = new LogOnce();
  private final AtomicLong scrapes = new AtomicLong();
  private volatile boolean lastUp;
  private StatementStatsQuery.Detection statements;
  private Connection statementsDetectedOn;

  public PostgresCollector(PostgresOptions options) {
    this.options = options;
    this.connections = new Connections(options);
  }

  @Override
  public void collect(Families out) {
    long started = System.nanoTime();
    Duration budget = ScrapeTimeout.current()
        .filter(d -> d.compareTo(options.collectionTimeout()) < 0)
        .orElse(options.collectionTimeout());
    try {
      if (!turn.tryLock(budget.toMillis(), TimeUnit.MILLISECONDS)) {
        // Another scrape still holds the connections: report the last known state, and the error.
        writeSelf(out, lastUp, true, started);
        status.finished(false, 1, seconds(started));
        status.writeTo(out);
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    try {
      Scrape s = new Scrape(out, started, budget);
      s.run();
      lastUp = s.up;
      // As in postgres_exporter, not reaching the server is a failed scrape, not only pg_up 0.
      writeSelf(out, s.up, !s.up || s.errors > 0, started);
      status.finished(s.up && s.errors == 0, s.errors, seconds(started));
      status.writeTo(out);
      if (options.statementsEnabled() && s.up) {
        statementsStatus.finished(s.statementsOk, s.statementErrors, s.statementSeconds);
        statementsStatus.writeTo(out);
      }
    } finally {
      turn.unlock();
    }
  }

  private void writeSelf(Families out, boolean up, boolean error, long started) {
    out.gauge("pg_up", "Whether the last scrape could connect to PostgreSQL (1) or not (0).", up ? 1 : 0);
    out.gauge("pg_exporter_last_scrape_error", "Whether the last scrape met an error (1) or not (0).", error ? 1 : 0);
    out.gauge("pg_exporter_last_scrape_duration_seconds", "Duration of the last scrape of PostgreSQL.", seconds(started));
    out.counter("pg_exporter_scrapes", "Scrapes of PostgreSQL since the exporter started.", scrapes.incrementAndGet());
  }

  private static double seconds(long startedNanos) {
    return (System.nanoTime() - startedNanos) / 1e9;
  }

  /** The work of one scrape. */
  private final class Scrape {
    final Families out;
    final long started;
    final Duration budget;
    boolean up;
    int errors;
    boolean statementsOk;
    int statementErrors;
    double statementSeconds;

    Scrape(Families out, long started, Duration budget) {
      this.out = out;
      this.started = started;
      this.budget = budget;
    }

    void run() {
      Optional<String> url = options.url().get();
      if (url.isEmpty()) {
        unreachable.warn(log, "no PostgreSQL to watch: pass --db.url, or start the adapter with its embedded database; retrying at every scrape");
        return;
      }
      Connection main;
      try {
        main = connections.main(url.get());
      } catch (SQLException e) {
        unreachable.warn(log, "cannot connect to PostgreSQL: " + e.getMessage() + "; retrying at every scrape");
        return;
      }
      unreachable.reset(log, "connected to PostgreSQL");
      up = true;
      int timeout = connections.statementTimeoutSeconds();
      part("server", main, () -> ServerStats.collect(main, timeout, out));
      if (isClosed(main)) {
        // The server went away under the first query: report it as down, not as a pile of errors.
        up = false;
        unreachable.warn(log, "lost the connection to PostgreSQL; retrying at every scrape");
        return;
      }
      for (String datname : databases(main)) {
        if (pastDeadline()) {
          errors++;
          log.warn("msg=\"collection timeout reached, skipping the remaining databases\" timeout={}", budget);
          break;
        }
        try {
          Connection c = datname.equals(main.getCatalog()) ? main : connections.forDatabase(datname);
          part("tables of " + datname, c, () -> RelationStats.collect(c, datname, timeout, out));
        } catch (SQLException e) {
          errors++;
          log.warn("msg=\"cannot connect to database\" datname={} err=\"{}\"", datname, e.getMessage());
        }
      }
      if (options.statementsEnabled()) {
        statements(main, timeout);
      }
    }

    private void statements(Connection main, int timeout) {
      long t = System.nanoTime();
      try {
        if (statements == null || statementsDetectedOn != main) {
          statements = StatementStatsQuery.detect(
              main, options.statementsLimit(), options.statementsIncludeQuery(), options.statementsQueryLength());
          statementsDetectedOn = main;
        }
        if (statements instanceof StatementStatsQuery.Unavailable u) {
          statementsUnavailable.warn(log, "pg_stat_statements metrics unavailable: " + u.reason());
          // Looked for again at the next scrape, so that CREATE EXTENSION is picked up.
          statements = null;
        } else {
          StatementStatsQuery q = ((StatementStatsQuery.Available) statements).query();
          statementsUnavailable.reset(log, "pg_stat_statements metrics available");
          statementErrors += StatementStats.collect(q, main, timeout, options.statementsQueryLength(), out);
          statementErrors += StatementStats.collectInfo(q.schema(), main, timeout, out);
          statementsOk = statementErrors == 0;
        }
      } catch (SQLException e) {
        statementErrors++;
        statements = null;
        log.warn("msg=\"pg_stat_statements query failed\" err=\"{}\"", e.getMessage());
        connections.discardIfBroken(main);
      }
      statementSeconds = seconds(t);
    }

    private List<String> databases(Connection main) {
      List<String> names = new ArrayList<>();
      try {
        String current = main.getCatalog();
        if (options.databaseInclude() == null) {
          names.add(current);
        } else {
          Rows.each(main, connections.statementTimeoutSeconds(),
              "SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate"
                  + " AND has_database_privilege(oid, 'CONNECT') ORDER BY datname",
              rs -> {
                String n = rs.getString(1);
                if (n.equals(current) || options.databaseInclude().matcher(n).matches()) {
                  names.add(n);
                }
              });
        }
        if (options.databaseExclude() != null) {
          names.removeIf(n -> options.databaseExclude().matcher(n).matches());
        }
      } catch (SQLException e) {
        errors++;
        log.warn("msg=\"cannot list databases\" err=\"{}\"", e.getMessage());
        connections.discardIfBroken(main);
      }
      connections.retain(new LinkedHashSet<>(names));
      return names;
    }

    private boolean pastDeadline() {
      return System.nanoTime() - started > budget.toNanos();
    }

    private void part(String what, Connection c, Part p) {
      try {
        errors += p.run();
      } catch (SQLException e) {
        errors++;
        log.warn("msg=\"PostgreSQL query failed\" part=\"{}\" err=\"{}\"", what, e.getMessage());
        connections.discardIfBroken(c);
      }
    }

    private boolean isClosed(Connection c) {
      try {
        return c.isClosed();
      } catch (SQLException e) {
        return true;
      }
    }
  }

  @FunctionalInterface
  private interface Part {
    int run() throws SQLException;
  }

  @Override
  public void close() {
    connections.close();
  }
}
