package io.promledger.adapter.storage;

import io.promledger.adapter.ingest.DecodedSeries;
import io.promledger.adapter.ingest.ExemplarRecord;
import io.promledger.adapter.ingest.RejectReason;
import io.promledger.adapter.metrics.AdapterMetrics;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the samples of concurrent requests in shared transactions (group commit) with binary
 * COPY, and completes each request's future only after COMMIT.
 *
 * <p>The fast path COPYs straight into {@code samples}. A retried request hits the primary key;
 * then the batch is rolled back to a savepoint and goes through a staging table with {@code
 * INSERT ... ON CONFLICT DO NOTHING}, which keeps the first value and lets us count exact and
 * conflicting duplicates. The queue is bounded in rows: a full queue is answered with 503.
 */
public final class GroupCommitWriter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GroupCommitWriter.class);
  /**
   * Makes COPY insert row by row. Its multi-insert mode buffers up to 1,000 rows, each in a slot
   * registered with the transaction's resource owner under the same tuple descriptor, which
   * PostgreSQL tracks in a hash table where equal keys probe linearly (seen in profiles of 14
   * and 17): about a million probes per COPY, a sixth of the server's CPU for commits of a few
   * thousand rows. A volatile WHERE clause is what turns multi-insert off; this one is always
   * true. Measured with the ingest benchmark: commits of 7.3 instead of 7.7 to 8.0 ms, 2.77
   * instead of 2.84 to 3.02 PostgreSQL CPU seconds per million samples. Citus refuses COPY
   * with WHERE into distributed tables, so there the COPY stays as it is.
   */
  private static final String ROW_BY_ROW = " WHERE random() >= 0";
  private static final String COPY_STAGING = "COPY ingest_staging (seq, request, series_id, ts, value) FROM STDIN (FORMAT binary)";

  /** Creates the sample partitions that cover [fromMs, toMs]. */
  @FunctionalInterface
  public interface PartitionCreator {
    void ensure(long fromMs, long toMs) throws SQLException;
  }

  private final DataSource dataSource;
  private final AdapterMetrics metrics;
  private final PartitionCreator partitions;
  private final long capacityRows;
  private final int maxBatchRows;
  private final LinkedBlockingQueue<PendingWrite> queue = new LinkedBlockingQueue<>();
  private final AtomicLong queuedRows = new AtomicLong();
  private final List<Thread> writers = new ArrayList<>();
  private final Map<String, Long> newestByTenant = new HashMap<>();
  /** {@link #ROW_BY_ROW}, or empty on Citus; null until the first commit has asked the server. */
  private volatile String copyFilter;
  private volatile boolean accepting = true;

  public GroupCommitWriter(
      DataSource dataSource,
      AdapterMetrics metrics,
      PartitionCreator partitions,
      long capacityRows,
      int maxBatchRows,
      int writerThreads) {
    this.dataSource = dataSource;
    this.metrics = metrics;
    this.partitions = partitions;
    this.capacityRows = capacityRows;
    this.maxBatchRows = maxBatchRows;
    metrics.queueCapacity.set(capacityRows);
    for (int i = 0; i < writerThreads; i++) {
      Thread t = new Thread(this::run, "promledger-writer-" + i);
      t.setDaemon(true);
      writers.add(t);
      t.start();
    }
  }

  /**
   * Queues {@code write}; its future completes after the commit.
   *
   * @throws QueueFullException when the queue holds {@code capacityRows} already
   */
  public void submit(PendingWrite write) {
    if (!accepting) {
      throw new QueueFullException("the adapter is shutting down");
    }
    long after = queuedRows.addAndGet(write.rows);
    // A single request larger than the whole queue is still taken when the queue is empty.
    if (after > capacityRows && after != write.rows) {
      queuedRows.addAndGet(-write.rows);
      throw new QueueFullException(
          "ingest queue is full (" + capacityRows + " samples waiting for PostgreSQL); retry later");
    }
    metrics.queueSamples.set(after);
    queue.add(write);
  }

  private void run() {
    List<PendingWrite> group = new ArrayList<>();
    while (accepting || !queue.isEmpty()) {
      try {
        PendingWrite first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        group.clear();
        group.add(first);
        long rows = first.rows;
        PendingWrite next;
        while (rows < maxBatchRows && (next = queue.poll()) != null) {
          group.add(next);
          rows += next.rows;
        }
        try {
          write(group);
        } finally {
          metrics.queueSamples.set(queuedRows.addAndGet(-rows));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        log.error("msg=\"unexpected error in writer\"", e);
        for (PendingWrite w : group) {
          w.done.completeExceptionally(new TransientStorageException("internal error: " + e, e));
        }
      }
    }
  }

  /** Writes a group; on a data error retries each request alone, then each series alone. */
  private void write(List<PendingWrite> group) {
    List<Slice> slices = slicesOf(group);
    try {
      long start = System.nanoTime();
      long rows = commit(slices);
      metrics.commitDuration.observe((System.nanoTime() - start) / 1e9);
      metrics.commitBatchSamples.observe(rows);
      for (PendingWrite w : group) {
        w.done.complete(new PendingWrite.WriteResult(w.refused, w.conflictingSamples));
      }
    } catch (SQLException e) {
      if (SqlErrors.isTransient(e)) {
        metrics.databaseErrors.labelValues("transient").inc();
        log.warn("msg=\"write failed, answering 503\" requests={} error=\"{}\"", group.size(), SqlErrors.brief(e));
        for (PendingWrite w : group) {
          w.done.completeExceptionally(new TransientStorageException("database unavailable: " + SqlErrors.brief(e), e));
        }
        return;
      }
      metrics.databaseErrors.labelValues("data").inc();
      log.warn("msg=\"database refused data, isolating it\" requests={} sqlstate={} error=\"{}\"", group.size(), e.getSQLState(), SqlErrors.brief(e));
      if (group.size() > 1) {
        for (PendingWrite w : group) {
          write(List.of(w));
        }
      } else {
        isolateSeries(group.get(0));
      }
    }
  }

  /** Commits each series of {@code w} on its own; the ones PostgreSQL refuses become 400s. */
  private void isolateSeries(PendingWrite w) {
    for (int i = 0; i < w.series.size(); i++) {
      try {
        commit(List.of(new Slice(w, i)));
      } catch (SQLException e) {
        if (SqlErrors.isTransient(e)) {
          metrics.databaseErrors.labelValues("transient").inc();
          w.done.completeExceptionally(new TransientStorageException("database unavailable: " + SqlErrors.brief(e), e));
          return;
        }
        DecodedSeries s = w.series.get(i);
        w.refused.series(RejectReason.DATABASE_REJECTED, s.acceptedSamples(), "PostgreSQL refused " + s.labels() + ": " + SqlErrors.brief(e));
      }
    }
    w.done.complete(new PendingWrite.WriteResult(w.refused, w.conflictingSamples));
  }

  private static List<Slice> slicesOf(List<PendingWrite> group) {
    List<Slice> slices = new ArrayList<>();
    for (PendingWrite w : group) {
      for (int i = 0; i < w.series.size(); i++) {
        slices.add(new Slice(w, i));
      }
    }
    return slices;
  }

  /**
   * One transaction for all slices; returns the rows written. The first attempt COPYs straight
   * into samples; a duplicate key aborts it and the retry goes through the deduplicating path, a
   * missing partition is created and the attempt repeated. Rolling back the whole transaction
   * costs less than a savepoint around every COPY (two round trips per commit).
   */
  private long commit(List<Slice> slices) throws SQLException {
    boolean deduplicate = false;
    for (int attempt = 0; ; attempt++) {
      try (Connection c = dataSource.getConnection()) {
        c.setAutoCommit(false);
        // Counted into the requests only once this transaction has committed.
        Map<PendingWrite, Long> conflicts = new HashMap<>();
        try {
          Instant watermark = readWatermark(c);
          long rows =
              !hasSamples(slices)
                  ? 0
                  : deduplicate
                      ? writeSamplesDeduplicated(c, slices, conflicts)
                      : copy(c, copySamplesInto(slices, copyFilter(c)), slices, false);
          writeSeriesEnds(c, slices);
          writeSeriesStarts(c, slices);
          writeExemplars(c, slices);
          markDirty(c, slices, watermark);
          c.commit();
          conflicts.forEach((w, n) -> w.conflictingSamples += n);
          recordNewest(slices);
          return rows;
        } catch (SQLException | RuntimeException e) {
          try {
            c.rollback();
          } catch (SQLException ignored) {
            // the connection is broken; the pool discards it
          }
          if (e instanceof SQLException sql && attempt < 3) {
            if (!deduplicate && SqlErrors.isUniqueViolation(sql)) {
              deduplicate = true;
              continue;
            }
            if (SqlErrors.isMissingPartition(sql) || SqlErrors.isUndefinedTable(sql)) {
              createPartitionsFor(slices);
              continue;
            }
          }
          throw e;
        }
      }
    }
  }

  /**
   * The COPY for the fast path: straight into the day's partition when every sample falls on one
   * UTC day (nearly every commit), which spares PostgreSQL the routing of each row; into the
   * partitioned table otherwise. A missing partition fails the COPY either way and is created.
   */
  private static String copySamplesInto(List<Slice> slices, String copyFilter) {
    long day = Long.MIN_VALUE;
    for (Slice s : slices) {
      long[] ts = s.series().timestamps();
      for (int i = 0; i < s.series().sampleCount(); i++) {
        long d = Math.floorDiv(ts[i], 86_400_000L);
        if (day == Long.MIN_VALUE) {
          day = d;
        } else if (d != day) {
          return "COPY samples (series_id, ts, value) FROM STDIN (FORMAT binary)" + copyFilter;
        }
      }
    }
    return "COPY " + StorageMaintenance.partitionName(java.time.LocalDate.ofEpochDay(day))
        + " (series_id, ts, value) FROM STDIN (FORMAT binary)" + copyFilter;
  }

  private String copyFilter(Connection c) throws SQLException {
    String filter = copyFilter;
    if (filter == null) {
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')")) {
        rs.next();
        filter = rs.getBoolean(1) ? "" : ROW_BY_ROW;
      }
      if (filter.isEmpty()) {
        log.info("msg=\"Citus found: samples are COPYed in multi-insert mode (Citus refuses COPY with WHERE)\"");
      }
      copyFilter = filter;
    }
    return filter;
  }

  /**
   * Holding the rollup watermark FOR SHARE until commit means the rollup job cannot raise it
   * while samples below it are in flight: such samples always mark their buckets dirty.
   */
  private static Instant readWatermark(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT CASE WHEN watermark = '-infinity' THEN NULL ELSE watermark END FROM rollup_state WHERE id = 1 FOR SHARE")) {
      if (!rs.next()) {
        return Instant.MIN;
      }
      Timestamp t = rs.getTimestamp(1);
      return t == null ? Instant.MIN : t.toInstant();
    }
  }

  /** One INSERT ... SELECT FROM unnest(...) with each column bound as an array of {@code types[i]}. */
  private static void insertArrays(Connection c, String sql, String[] types, List<?>... columns) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < columns.length; i++) {
        ps.setArray(i + 1, c.createArrayOf(types[i], columns[i].toArray()));
      }
      ps.executeUpdate();
    }
  }

  private static boolean hasSamples(List<Slice> slices) {
    for (Slice s : slices) {
      if (s.series().sampleCount() > 0) {
        return true;
      }
    }
    return false;
  }

  /** The slow path: first value wins, exact and conflicting duplicates are counted. */
  private long writeSamplesDeduplicated(Connection c, List<Slice> slices, Map<PendingWrite, Long> conflictsOut)
      throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute(
          "CREATE TEMP TABLE IF NOT EXISTS ingest_staging "
              + "(seq bigint, request integer, series_id bigint, ts timestamptz, value double precision) ON COMMIT DELETE ROWS");
      st.execute("TRUNCATE ingest_staging");
    }
    long staged = copy(c, COPY_STAGING, slices, true);
    long inserted;
    long equal;
    long different;
    try (Statement st = c.createStatement()) {
      st.execute("ANALYZE ingest_staging");
      inserted =
          st.executeUpdate(
              "INSERT INTO samples (series_id, ts, value) "
                  + "SELECT DISTINCT ON (ts, series_id) series_id, ts, value FROM ingest_staging "
                  + "ORDER BY ts, series_id, seq ON CONFLICT DO NOTHING");
      // One index probe per staged row, pruned to its partition at run time: a join could be
      // planned as a hash join over every partition of samples. Counted per request, so that each
      // is told exactly how many of its samples were stored.
      equal = 0;
      different = 0;
      Map<PendingWrite, Long> conflicts = new HashMap<>();
      List<PendingWrite> requests = requestsOf(slices);
      try (ResultSet rs =
          st.executeQuery(
              "SELECT s.request, count(*) FILTER (WHERE float8send(s.value) = float8send(t.value)), "
                  + "count(*) FILTER (WHERE float8send(s.value) <> float8send(t.value)) "
                  + "FROM ingest_staging s CROSS JOIN LATERAL "
                  + "(SELECT value FROM samples x WHERE x.ts = s.ts AND x.series_id = s.series_id) t GROUP BY s.request")) {
        while (rs.next()) {
          equal += rs.getLong(2);
          different += rs.getLong(3);
          conflicts.put(requests.get(rs.getInt(1)), rs.getLong(3));
        }
      }
      conflictsOut.putAll(conflicts);
    }
    long exact = equal - inserted;
    if (exact > 0) {
      metrics.duplicateSamples.labelValues("exact").inc(exact);
    }
    if (different > 0) {
      metrics.duplicateSamples.labelValues("conflicting").inc(different);
      log.info("msg=\"conflicting samples ignored; the stored value is kept\" count={}", different);
    }
    log.debug("msg=\"deduplicated write\" staged={} inserted={} exact={} conflicting={}", staged, inserted, exact, different);
    return inserted;
  }

  /** The distinct requests of {@code slices}, in order; a slice's request index is its position here. */
  private static List<PendingWrite> requestsOf(List<Slice> slices) {
    List<PendingWrite> out = new ArrayList<>();
    for (Slice s : slices) {
      if (out.isEmpty() || out.get(out.size() - 1) != s.write()) {
        out.add(s.write());
      }
    }
    return out;
  }

  private static long copy(Connection c, String sql, List<Slice> slices, boolean withSeq) throws SQLException {
    CopyIn in = c.unwrap(PGConnection.class).getCopyAPI().copyIn(sql);
    try {
      BinaryCopyBuffer buf = new BinaryCopyBuffer(in);
      long seq = 0;
      int request = -1;
      PendingWrite current = null;
      for (Slice s : slices) {
        if (s.write() != current) {
          current = s.write();
          request++;
        }
        DecodedSeries series = s.series();
        long id = s.seriesId();
        long[] ts = series.timestamps();
        double[] v = series.values();
        for (int i = 0; i < series.sampleCount(); i++) {
          buf.startRow(withSeq ? 5 : 3);
          if (withSeq) {
            buf.int8(seq++);
            buf.int4(request);
          }
          buf.int8(id);
          buf.timestampMillis(ts[i]);
          buf.float8(v[i]);
        }
      }
      return buf.finish();
    } finally {
      if (in.isActive()) {
        in.cancelCopy();
      }
    }
  }

  private void createPartitionsFor(List<Slice> slices) throws SQLException {
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (Slice s : slices) {
      long[] ts = s.series().timestamps();
      for (int i = 0; i < s.series().sampleCount(); i++) {
        min = Math.min(min, ts[i]);
        max = Math.max(max, ts[i]);
      }
    }
    partitions.ensure(min, max);
  }

  private static void writeSeriesEnds(Connection c, List<Slice> slices) throws SQLException {
    List<Long> ids = new ArrayList<>();
    List<String> times = new ArrayList<>();
    for (Slice s : slices) {
      DecodedSeries series = s.series();
      for (int i = 0; i < series.staleCount(); i++) {
        ids.add(s.seriesId());
        times.add(Instant.ofEpochMilli(series.staleTimestamps()[i]).toString());
      }
    }
    if (ids.isEmpty()) {
      return;
    }
    insertArrays(
        c,
        "INSERT INTO series_ends (series_id, ts) SELECT * FROM unnest(?::bigint[], ?::timestamptz[]) "
                + "ON CONFLICT DO NOTHING",
        new String[] {"bigint", "text"},
        ids, times);
  }

  private static void writeSeriesStarts(Connection c, List<Slice> slices) throws SQLException {
    Map<String, String[]> distinct = new HashMap<>();
    for (Slice s : slices) {
      DecodedSeries series = s.series();
      long[] starts = series.startTimestamps();
      if (starts == null) {
        continue;
      }
      for (int i = 0; i < series.sampleCount(); i++) {
        if (starts[i] != 0) {
          distinct.putIfAbsent(
              s.seriesId() + "/" + starts[i],
              new String[] {
                Long.toString(s.seriesId()),
                Instant.ofEpochMilli(starts[i]).toString(),
                Instant.ofEpochMilli(series.timestamps()[i]).toString()
              });
        }
      }
    }
    if (distinct.isEmpty()) {
      return;
    }
    List<Long> ids = new ArrayList<>();
    List<String> starts = new ArrayList<>();
    List<String> seen = new ArrayList<>();
    for (String[] row : distinct.values()) {
      ids.add(Long.parseLong(row[0]));
      starts.add(row[1]);
      seen.add(row[2]);
    }
    insertArrays(
        c,
        "INSERT INTO series_starts (series_id, start_ts, first_seen) "
                + "SELECT * FROM unnest(?::bigint[], ?::timestamptz[], ?::timestamptz[]) ON CONFLICT DO NOTHING",
        new String[] {"bigint", "text", "text"},
        ids, starts, seen);
  }

  private static void writeExemplars(Connection c, List<Slice> slices) throws SQLException {
    List<Long> ids = new ArrayList<>();
    List<String> times = new ArrayList<>();
    List<String> values = new ArrayList<>();
    List<String> labels = new ArrayList<>();
    for (Slice s : slices) {
      for (ExemplarRecord e : s.series().exemplars()) {
        ids.add(s.seriesId());
        times.add(Instant.ofEpochMilli(e.timestampMs()).toString());
        values.add(floatText(e.value()));
        labels.add(e.labelsJson());
      }
    }
    if (ids.isEmpty()) {
      return;
    }
    insertArrays(
        c,
        "INSERT INTO exemplars (series_id, ts, value, labels) "
                + "SELECT u.i, u.t::timestamptz, u.v::float8, u.l::jsonb "
                + "FROM unnest(?::bigint[], ?::text[], ?::text[], ?::text[]) AS u(i, t, v, l) ON CONFLICT DO NOTHING",
        new String[] {"bigint", "text", "text", "text"},
        ids, times, values, labels);
  }

  private static String floatText(double v) {
    if (Double.isNaN(v)) {
      return "NaN";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "Infinity" : "-Infinity";
    }
    return Double.toString(v);
  }

  /** Samples below the rollup watermark mark their 5-minute, hourly and daily buckets dirty. */
  private static void markDirty(Connection c, List<Slice> slices, Instant watermark) throws SQLException {
    if (watermark == Instant.MIN) {
      return;
    }
    long wm = watermark.toEpochMilli();
    Set<DirtyBucket> seen = new HashSet<>();
    List<Integer> resolutions = new ArrayList<>();
    List<String> buckets = new ArrayList<>();
    List<Long> ids = new ArrayList<>();
    int[] levels = {300, 3600, 86_400};
    for (Slice s : slices) {
      DecodedSeries series = s.series();
      for (int i = 0; i < series.sampleCount() + series.staleCount(); i++) {
        // a staleness marker ends a series inside its bucket: that bucket changes too
        long t = i < series.sampleCount() ? series.timestamps()[i] : series.staleTimestamps()[i - series.sampleCount()];
        if (t >= wm) {
          continue;
        }
        for (int level : levels) {
          long start = Math.floorDiv(t, level * 1000L) * level * 1000L;
          if (seen.add(new DirtyBucket(level, start, s.seriesId()))) {
            resolutions.add(level);
            buckets.add(Instant.ofEpochMilli(start).toString());
            ids.add(s.seriesId());
          }
        }
      }
    }
    if (ids.isEmpty()) {
      return;
    }
    insertArrays(
        c,
        "INSERT INTO rollup_dirty (resolution, bucket_start, series_id) "
                + "SELECT * FROM unnest(?::integer[], ?::timestamptz[], ?::bigint[]) ON CONFLICT DO NOTHING",
        new String[] {"integer", "text", "bigint"},
        resolutions, buckets, ids);
  }

  private void recordNewest(List<Slice> slices) {
    synchronized (newestByTenant) {
      for (Slice s : slices) {
        long[] ts = s.series().timestamps();
        long max = Long.MIN_VALUE;
        for (int i = 0; i < s.series().sampleCount(); i++) {
          max = Math.max(max, ts[i]);
        }
        if (max == Long.MIN_VALUE) {
          continue;
        }
        String tenant = s.write().tenant;
        Long prev = newestByTenant.get(tenant);
        if (prev == null || max > prev) {
          newestByTenant.put(tenant, max);
          metrics.newestSample.labelValues(tenant).set(max / 1000.0);
        }
      }
    }
  }

  /** Stops taking writes, finishes what is queued, and waits for the writers. */
  @Override
  public void close() {
    accepting = false;
    for (Thread t : writers) {
      try {
        t.join(30_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private record DirtyBucket(int resolution, long startMs, long seriesId) {}

  /** One series of one pending request. */
  private record Slice(PendingWrite write, int index) {
    DecodedSeries series() {
      return write.series.get(index);
    }

    long seriesId() {
      return write.seriesIds[index];
    }
  }

  /** Answered with 503 and Retry-After. */
  public static final class QueueFullException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    QueueFullException(String message) {
      super(message, null, false, false);
    }
  }
}
