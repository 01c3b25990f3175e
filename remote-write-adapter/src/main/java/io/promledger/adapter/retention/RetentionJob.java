package io.promledger.adapter.retention;

import io.promledger.adapter.rollup.Resolution;
import io.promledger.adapter.rollup.SqlTime;
import io.promledger.adapter.rollup.Transactions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes data older than its level's retention, but never data a rollup may still need: a raw
 * day goes (by dropping its partition, never by DELETE) only once every level has been computed
 * past it, no bucket of it is waiting to be recomputed and it is older than the late-data
 * horizon. Rollup rows go only once every coarser level is final past them.
 */
public final class RetentionJob {
  private static final Logger log = LoggerFactory.getLogger(RetentionJob.class);
  private static final Pattern PARTITION = Pattern.compile("samples_(\\d{8})");
  private static final int DELETE_BATCH = 50_000;

  private final DataSource dataSource;
  private final RetentionPolicy policy;
  private final RetentionMetrics metrics;

  public RetentionJob(DataSource dataSource, RetentionPolicy policy, RetentionMetrics metrics) {
    this.dataSource = dataSource;
    this.policy = policy;
    this.metrics = metrics;
  }

  /** What one run removed. */
  public record Result(int droppedPartitions, long rawRows, long rollupRows, List<String> keptBecause) {}

  public Result runOnce(Instant now) throws SQLException {
    List<String> kept = new ArrayList<>();
    Instant finalBefore = now.minus(policy.horizon());
    Instant allLevelsDone = minDoneUntil(Resolution.values());
    Instant rawSafe = min(min(finalBefore, allLevelsDone), oldestDirty(Resolution.values()));
    Instant rawCutoff = now.minus(policy.raw());
    int dropped = 0;
    long rawRows = 0;
    for (LocalDate day : rawPartitions()) {
      Instant dayEnd = day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
      if (dayEnd.isAfter(rawCutoff)) {
        continue;
      }
      if (dayEnd.isAfter(rawSafe)) {
        kept.add("raw " + day + ": rollups are not final past it yet");
        continue;
      }
      rawRows += dropPartition(day, dayEnd);
      dropped++;
    }
    long rollupRows = 0;
    Resolution[] levels = Resolution.values();
    for (int i = 0; i < levels.length; i++) {
      Resolution level = levels[i];
      Instant cutoff = level.floor(now.minus(policy.of(level)));
      Resolution[] coarser = java.util.Arrays.copyOfRange(levels, i + 1, levels.length);
      Instant safe = min(finalBefore, coarser.length == 0 ? Instant.MAX : min(minDoneUntil(coarser), oldestDirty(coarser)));
      if (cutoff.isAfter(safe)) {
        kept.add(level.label() + " before " + cutoff + ": coarser levels are final only up to " + safe);
        cutoff = level.floor(safe);
      }
      long n = deleteBefore(level, cutoff);
      rollupRows += n;
      if (metrics != null && n > 0) {
        metrics.removedRows.labelValues(level.label()).inc(n);
      }
    }
    if (dropped > 0 || rollupRows > 0) {
      log.info("msg=\"retention done\" dropped_partitions={} raw_rows={} rollup_rows={}", dropped, rawRows, rollupRows);
    }
    kept.forEach(k -> log.debug("msg=\"retention kept data\" reason=\"{}\"", k));
    return new Result(dropped, rawRows, rollupRows, kept);
  }

  private long dropPartition(LocalDate day, Instant dayEnd) throws SQLException {
    String name = io.promledger.adapter.storage.StorageMaintenance.partitionName(day);
    long rows = Transactions.inTransaction(dataSource, c -> {
      try (Statement s = c.createStatement()) {
      long n;
      try (ResultSet rs = s.executeQuery("SELECT count(*) FROM \"" + name + "\"")) {
        rs.next();
        n = rs.getLong(1);
      }
      // Recorded first: from here on no bucket before dayEnd is recomputed from raw data.
      try (PreparedStatement ps = c.prepareStatement(
          "UPDATE retention_state SET raw_kept_from = greatest(raw_kept_from, ?) WHERE id = 1")) {
        SqlTime.bind(ps, 1, dayEnd);
        ps.executeUpdate();
      }
      s.execute("ALTER TABLE samples DETACH PARTITION \"" + name + "\"");
      s.execute("DROP TABLE \"" + name + "\"");
      return n;
      }
    });
    if (metrics != null) {
      metrics.droppedPartitions.inc();
      metrics.removedRows.labelValues("raw").inc(rows);
    }
    log.info("msg=\"raw partition dropped\" partition={} rows={}", name, rows);
    return rows;
  }

  private long deleteBefore(Resolution level, Instant cutoff) throws SQLException {
    long total = 0;
    String sql =
        "DELETE FROM " + level.table() + " WHERE ctid = ANY(ARRAY(SELECT ctid FROM " + level.table()
            + " WHERE bucket_start < ? LIMIT " + DELETE_BATCH + "))";
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      SqlTime.bind(ps, 1, cutoff);
      int n;
      do {
        n = ps.executeUpdate();
        total += n;
      } while (n == DELETE_BATCH);
    }
    return total;
  }

  private List<LocalDate> rawPartitions() throws SQLException {
    List<LocalDate> out = new ArrayList<>();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                + " JOIN pg_class p ON p.oid = i.inhparent"
                + " WHERE p.oid = to_regclass(current_schema() || '.samples') ORDER BY c.relname");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        Matcher m = PARTITION.matcher(rs.getString(1));
        if (m.matches()) {
          out.add(LocalDate.parse(m.group(1), DateTimeFormatter.BASIC_ISO_DATE));
        }
      }
    }
    return out;
  }

  private Instant minDoneUntil(Resolution[] levels) throws SQLException {
    Instant min = Instant.MAX;
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT done_until FROM rollup_progress WHERE resolution = ?")) {
      for (Resolution level : levels) {
        ps.setInt(1, level.seconds());
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          min = min(min, SqlTime.read(rs, "done_until"));
        }
      }
    }
    return min;
  }

  /** The oldest bucket start still waiting to be recomputed at any of the levels, or MAX. */
  private Instant oldestDirty(Resolution[] levels) throws SQLException {
    Instant min = Instant.MAX;
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT min(bucket_start) AS b FROM rollup_dirty WHERE resolution = ?")) {
      for (Resolution level : levels) {
        ps.setInt(1, level.seconds());
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          Instant b = SqlTime.read(rs, "b");
          if (b != null) {
            min = min(min, b);
          }
        }
      }
    }
    return min;
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }
}
