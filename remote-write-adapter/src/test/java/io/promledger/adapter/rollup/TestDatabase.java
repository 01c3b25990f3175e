package io.promledger.adapter.rollup;

import io.promledger.adapter.config.DatabaseOptions;
import io.promledger.adapter.storage.Database;
import io.promledger.embedded.EmbeddedDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * An embedded PostgreSQL with the promledger schema, and writes that follow the ingest contract:
 * each batch reads the watermark FOR SHARE and marks the buckets of samples below it dirty in the
 * same transaction, samples are idempotent on (ts, series_id), staleness markers go to series_ends.
 */
public final class TestDatabase implements AutoCloseable {
  private final EmbeddedDatabase embedded;
  private final Database database;
  private final Set<LocalDate> partitions = new HashSet<>();

  private TestDatabase(EmbeddedDatabase embedded, Database database) {
    this.embedded = embedded;
    this.database = database;
  }

  public static TestDatabase start(Path dir) {
    EmbeddedDatabase embedded = EmbeddedDatabase.start(dir);
    Database database = open(embedded.jdbcUrl());
    database.migrate();
    return new TestDatabase(embedded, database);
  }

  /** A pool on the server at {@code url} (for instance the database of a test adapter). */
  public static Database open(String url) {
    DatabaseOptions options = new DatabaseOptions();
    options.url = url;
    options.schema = "promledger";
    options.poolSize = 6;
    options.connectTimeout = Duration.ofSeconds(5);
    return Database.open(options);
  }

  /** One rollup run under the jobs' advisory lock, so it never overlaps an adapter's own schedule. */
  public static void rollUpUnderLock(Database database) throws SQLException {
    try (Connection lock = database.dataSource().getConnection()) {
      io.promledger.adapter.jobs.BackgroundJobs.lock(lock);
      try {
        new RollupJob(database.dataSource(), Duration.ZERO, Duration.ofMinutes(5), null).runOnce(Instant.now());
      } finally {
        io.promledger.adapter.jobs.BackgroundJobs.unlock(lock);
      }
    }
  }

  public Database database() {
    return database;
  }

  public Connection connection() throws SQLException {
    return database.dataSource().getConnection();
  }

  /** Empties every table written by tests, keeping the schema. */
  public void reset() throws SQLException {
    partitions.clear();
    try (Connection c = connection(); Statement s = c.createStatement()) {
      s.execute(
          "TRUNCATE samples, series, series_ends, series_starts, metric_metadata, rollup_dirty, rollup_5m,"
              + " rollup_1h, rollup_1d, report_runs, ha_leases RESTART IDENTITY");
      s.execute("UPDATE rollup_state SET watermark = '-infinity'");
      s.execute("UPDATE rollup_progress SET done_until = '-infinity'");
      s.execute("UPDATE retention_state SET raw_kept_from = '-infinity'");
    }
  }

  /** Creates a series; labels are name/value pairs without __name__. */
  public long series(String tenant, String metric, String... labels) throws SQLException {
    Map<String, String> sorted = new TreeMap<>();
    for (int i = 0; i < labels.length; i += 2) {
      sorted.put(labels[i], labels[i + 1]);
    }
    StringBuilder json = new StringBuilder("{");
    sorted.forEach((k, v) -> json.append(json.length() > 1 ? "," : "").append('"').append(k).append("\":\"").append(v).append('"'));
    json.append('}');
    try (Connection c = connection();
        PreparedStatement ps = c.prepareStatement(
            "INSERT INTO series (tenant, metric_name, labels, labels_hash) VALUES (?, ?, ?::jsonb, "
                + "decode(md5(? || ?), 'hex')) ON CONFLICT (tenant, labels_hash) DO UPDATE SET tenant = EXCLUDED.tenant "
                + "RETURNING id")) {
      ps.setString(1, tenant);
      ps.setString(2, metric);
      ps.setString(3, json.toString());
      ps.setString(4, metric);
      ps.setString(5, json.toString());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  public void metadata(String tenant, String family, String type, String unit) throws SQLException {
    try (Connection c = connection();
        PreparedStatement ps = c.prepareStatement(
            "INSERT INTO metric_metadata (tenant, metric_family, type, unit) VALUES (?, ?, ?, ?) "
                + "ON CONFLICT (tenant, metric_family) DO UPDATE SET type = EXCLUDED.type, unit = EXCLUDED.unit")) {
      ps.setString(1, tenant);
      ps.setString(2, family);
      ps.setString(3, type);
      ps.setString(4, unit);
      ps.executeUpdate();
    }
  }

  /** A batch of writes committed in one transaction, like one remote-write request. */
  public Batch batch() {
    return new Batch();
  }

  /** Writes one sample in its own batch. */
  public void sample(long series, Instant ts, double value) throws SQLException {
    batch().sample(series, ts, value).commit();
  }

  public final class Batch {
    private final java.util.List<Object[]> rows = new java.util.ArrayList<>();

    public Batch sample(long series, Instant ts, double value) {
      rows.add(new Object[] {"s", series, ts, value});
      return this;
    }

    /** A staleness marker: the series ended at ts. */
    public Batch end(long series, Instant ts) {
      rows.add(new Object[] {"e", series, ts, null});
      return this;
    }

    /** A remote-write 2.0 start timestamp carried by the sample at firstSeen. */
    public Batch start(long series, Instant startTs, Instant firstSeen) {
      rows.add(new Object[] {"t", series, startTs, firstSeen});
      return this;
    }

    public void commit() throws SQLException {
      try (Connection c = connection()) {
        c.setAutoCommit(false);
        Instant watermark;
        try (PreparedStatement ps = c.prepareStatement("SELECT watermark FROM rollup_state WHERE id = 1 FOR SHARE");
            ResultSet rs = ps.executeQuery()) {
          rs.next();
          watermark = SqlTime.read(rs, "watermark");
        }
        for (Object[] r : rows) {
          long id = (Long) r[1];
          Instant ts = (Instant) r[2];
          switch ((String) r[0]) {
            case "s" -> {
              ensurePartition(c, ts);
              if (insert(c, "INSERT INTO samples (series_id, ts, value) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", id, ts, (Double) r[3])
                  && ts.isBefore(watermark)) {
                markDirty(c, id, ts);
              }
            }
            case "e" -> insert(c, "INSERT INTO series_ends (series_id, ts) VALUES (?, ?) ON CONFLICT DO NOTHING", id, ts, null);
            default -> {
              try (PreparedStatement ps = c.prepareStatement(
                  "INSERT INTO series_starts (series_id, start_ts, first_seen) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")) {
                ps.setLong(1, id);
                SqlTime.bind(ps, 2, ts);
                SqlTime.bind(ps, 3, (Instant) r[3]);
                ps.executeUpdate();
              }
            }
          }
        }
        c.commit();
      }
    }
  }

  private boolean insert(Connection c, String sql, long id, Instant ts, Double value) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setLong(1, id);
      SqlTime.bind(ps, 2, ts);
      if (value != null) {
        ps.setDouble(3, value);
      }
      return ps.executeUpdate() == 1;
    }
  }

  private void markDirty(Connection c, long id, Instant ts) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "INSERT INTO rollup_dirty (resolution, bucket_start, series_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")) {
      for (Resolution r : Resolution.values()) {
        ps.setInt(1, r.seconds());
        SqlTime.bind(ps, 2, r.floor(ts));
        ps.setLong(3, id);
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  private void ensurePartition(Connection c, Instant ts) throws SQLException {
    LocalDate day = LocalDate.ofInstant(ts, ZoneOffset.UTC);
    if (partitions.add(day)) {
      try (PreparedStatement ps = c.prepareStatement("SELECT ensure_sample_partitions(?, 1)")) {
        ps.setObject(1, day);
        ps.executeQuery().close();
      }
    }
  }

  public long count(String sql) throws SQLException {
    try (Connection c = connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Override
  public void close() {
    database.close();
    embedded.close();
  }
}
