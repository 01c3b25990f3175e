package io.promledger.adapter.rollup;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the three rollup levels up to date.
 *
 * <p>One run: (1) raise the watermark to the last complete 5-minute bucket before {@code now -
 * delay} in a short transaction of its own under {@code FOR UPDATE}, which waits for every
 * in-flight ingest transaction (they read it {@code FOR SHARE}); from its commit on, any sample
 * stored below the watermark marks its buckets dirty. (2) For each level, compute every bucket
 * that became complete below the watermark, a bounded chunk per transaction, recording progress
 * with the rows. (3) Recompute the dirty buckets, one bucket start per transaction: the dirty
 * rows are deleted before the raw samples are read, so a sample committed meanwhile keeps its
 * dirty row and is picked up by the next run.
 */
public final class RollupJob {
  private static final Logger log = LoggerFactory.getLogger(RollupJob.class);
  private static final int DIRTY_BUCKETS_PER_RUN = 2000;

  private final DataSource dataSource;
  private final Duration delay;
  private final BucketComputer computer;
  private final RollupMetrics metrics;
  private volatile boolean stopped;

  public RollupJob(DataSource dataSource, Duration delay, Duration maxGap, RollupMetrics metrics) {
    this.dataSource = dataSource;
    this.delay = delay;
    this.computer = new BucketComputer(maxGap);
    this.metrics = metrics;
  }

  /** Makes a running {@link #runOnce} or {@link #recompute} return after its current chunk. */
  public void stop() {
    stopped = true;
  }

  /** What one run did. */
  public record RunResult(Instant watermark, Map<Resolution, Integer> rangeRows, Map<Resolution, Integer> dirtyBuckets) {}

  public RunResult runOnce(Instant now) throws SQLException {
    Instant watermark = raiseWatermark(Resolution.FIVE_MINUTES.floor(now.minus(delay)));
    Map<Resolution, Integer> rows = new EnumMap<>(Resolution.class);
    Map<Resolution, Integer> dirty = new EnumMap<>(Resolution.class);
    Instant rawKeptFrom = rawKeptFrom();
    for (Resolution level : Resolution.values()) {
      rows.put(level, catchUp(level, level.floor(watermark)));
      dirty.put(level, recomputeDirty(level, rawKeptFrom));
      if (metrics != null) {
        metrics.progress(level, doneUntil(level), now);
      }
    }
    return new RunResult(watermark, rows, dirty);
  }

  /** Sets the watermark to {@code target} unless it is already higher; returns the watermark. */
  Instant raiseWatermark(Instant target) throws SQLException {
    return Transactions.inTransaction(dataSource, c -> {
      Instant current;
      try (PreparedStatement ps = c.prepareStatement("SELECT watermark FROM rollup_state WHERE id = 1 FOR UPDATE");
          ResultSet rs = ps.executeQuery()) {
        rs.next();
        current = SqlTime.read(rs, "watermark");
      }
      Instant next = current.isAfter(target) ? current : target;
      if (!next.equals(current)) {
        try (PreparedStatement ps = c.prepareStatement("UPDATE rollup_state SET watermark = ? WHERE id = 1")) {
          SqlTime.bind(ps, 1, next);
          ps.executeUpdate();
        }
      }
      return next;
    });
  }

  private int catchUp(Resolution level, Instant target) throws SQLException {
    Instant done = doneUntil(level);
    if (!done.isBefore(target)) {
      return 0;
    }
    if (done.equals(Instant.MIN)) {
      Instant oldest = oldestData();
      if (oldest == null || !oldest.isBefore(target)) {
        setDoneUntil(level, target);
        return 0;
      }
      done = level.floor(oldest);
    }
    Duration chunk = chunkOf(level);
    int rows = 0;
    long started = System.nanoTime();
    long chunks = Math.max(1, Duration.between(done, target).toSeconds() / chunk.toSeconds());
    long chunksDone = 0;
    while (done.isBefore(target) && !stopped) {
      Instant end = done.plus(chunk).isAfter(target) ? target : done.plus(chunk);
      rows += computeChunk(level, done, end);
      done = end;
      chunksDone++;
      // A long catch-up (first start, or after downtime) shows its progress about every 10%.
      if (chunks >= 20 && chunksDone % (chunks / 10) == 0) {
        log.info("msg=\"rollup catching up\" resolution={} until={} progress_pct={} rows={}",
            level.label(), end, chunksDone * 100 / chunks, rows);
      }
    }
    log.info(
        "msg=\"rollup caught up\" resolution={} until={} rows={} duration_ms={}",
        level.label(), target, rows, (System.nanoTime() - started) / 1_000_000);
    return rows;
  }

  private int computeChunk(Resolution level, Instant from, Instant to) throws SQLException {
    return Transactions.inTransaction(dataSource, c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "DELETE FROM rollup_dirty WHERE resolution = ? AND bucket_start >= ? AND bucket_start < ?")) {
        ps.setInt(1, level.seconds());
        SqlTime.bind(ps, 2, from);
        SqlTime.bind(ps, 3, to);
        ps.executeUpdate();
      }
      int rows = computer.computeAll(c, level, from, to);
      try (PreparedStatement ps = c.prepareStatement(
          "UPDATE rollup_progress SET done_until = ?, updated_at = now() WHERE resolution = ? AND done_until < ?")) {
        SqlTime.bind(ps, 1, to);
        ps.setInt(2, level.seconds());
        SqlTime.bind(ps, 3, to);
        ps.executeUpdate();
      }
      return rows;
    });
  }

  private int recomputeDirty(Resolution level, Instant rawKeptFrom) throws SQLException {
    Instant done = doneUntil(level);
    int buckets = 0;
    while (buckets < DIRTY_BUCKETS_PER_RUN && !stopped) {
      List<Instant> starts = dirtyBucketStarts(level, done, 100);
      if (starts.isEmpty()) {
        break;
      }
      for (Instant start : starts) {
        if (stopped) {
          break;
        }
        recomputeDirtyBucket(level, start, rawKeptFrom);
        buckets++;
      }
    }
    if (buckets > 0) {
      log.info("msg=\"dirty buckets recomputed\" resolution={} buckets={}", level.label(), buckets);
    }
    return buckets;
  }

  private List<Instant> dirtyBucketStarts(Resolution level, Instant before, int limit) throws SQLException {
    List<Instant> out = new ArrayList<>();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(
            "SELECT DISTINCT bucket_start FROM rollup_dirty WHERE resolution = ? AND bucket_start < ? "
                + "ORDER BY bucket_start LIMIT ?")) {
      ps.setInt(1, level.seconds());
      SqlTime.bind(ps, 2, before);
      ps.setInt(3, limit);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(SqlTime.read(rs, "bucket_start"));
        }
      }
    }
    return out;
  }

  private void recomputeDirtyBucket(Resolution level, Instant start, Instant rawKeptFrom) throws SQLException {
    Transactions.inTransaction(dataSource, c -> {
      List<Long> ids = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(
          "DELETE FROM rollup_dirty WHERE resolution = ? AND bucket_start = ? RETURNING series_id")) {
        ps.setInt(1, level.seconds());
        SqlTime.bind(ps, 2, start);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            ids.add(rs.getLong(1));
          }
        }
      }
      if (start.isBefore(rawKeptFrom)) {
        // Its raw samples are partly gone: recomputing would shrink the bucket.
        log.warn(
            "msg=\"dirty bucket older than the raw data kept; left as it is\" resolution={} bucket={} series={}",
            level.label(), start, ids.size());
      } else {
        long[] a = ids.stream().mapToLong(Long::longValue).toArray();
        computer.computeSeries(c, level, start, start.plus(level.width()), a);
      }
      return null;
    });
  }

  /**
   * Recomputes every bucket of every level that lies inside {@code [from, to)} (bounds are
   * widened to whole days), a chunk per transaction, reporting progress after each chunk.
   */
  public int recompute(Instant from, Instant to, ProgressListener progress) throws SQLException {
    Instant rawKeptFrom = rawKeptFrom();
    Instant start = Resolution.DAY.floor(from);
    Instant end = Resolution.DAY.ceil(to);
    if (start.isBefore(rawKeptFrom)) {
      throw new IllegalArgumentException(
          "raw samples before " + rawKeptFrom + " were removed by retention; recompute from " + rawKeptFrom + " or later");
    }
    long totalChunks = 0;
    for (Resolution level : Resolution.values()) {
      totalChunks += Math.max(1, Duration.between(start, end).toSeconds() / chunkOf(level).toSeconds());
    }
    long doneChunks = 0;
    int rows = 0;
    for (Resolution level : Resolution.values()) {
      Duration chunk = chunkOf(level);
      for (Instant a = start; a.isBefore(end) && !stopped; a = a.plus(chunk)) {
        Instant b = a.plus(chunk).isAfter(end) ? end : a.plus(chunk);
        rows += computeRange(level, a, b);
        doneChunks++;
        progress.update(level, b, doneChunks, totalChunks, rows);
      }
    }
    return rows;
  }

  private int computeRange(Resolution level, Instant from, Instant to) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      return computer.computeAll(c, level, from, to);
    }
  }

  /** Called after each chunk of {@link #recompute}. */
  public interface ProgressListener {
    void update(Resolution level, Instant until, long chunksDone, long chunksTotal, int rows);
  }

  private static Duration chunkOf(Resolution level) {
    return switch (level) {
      case FIVE_MINUTES -> Duration.ofHours(1);
      case HOUR -> Duration.ofHours(6);
      case DAY -> Duration.ofDays(1);
    };
  }

  public Instant doneUntil(Resolution level) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT done_until FROM rollup_progress WHERE resolution = ?")) {
      ps.setInt(1, level.seconds());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return SqlTime.read(rs, "done_until");
      }
    }
  }

  private void setDoneUntil(Resolution level, Instant t) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(
            "UPDATE rollup_progress SET done_until = ?, updated_at = now() WHERE resolution = ?")) {
      SqlTime.bind(ps, 1, t);
      ps.setInt(2, level.seconds());
      ps.executeUpdate();
    }
  }

  private Instant oldestData() throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(
            "SELECT least((SELECT min(ts) FROM samples), (SELECT min(ts) FROM series_ends)) AS t");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return SqlTime.read(rs, "t");
    }
  }

  private Instant rawKeptFrom() throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT raw_kept_from FROM retention_state WHERE id = 1");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return SqlTime.read(rs, "raw_kept_from");
    }
  }
}
