package io.promledger.adapter.rollup;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Reads stored buckets back for merging. */
public final class RollupStore {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<Map<String, Long>> SKETCH = new TypeReference<>() {};
  private static final String COLUMNS =
      "series_id, bucket_start, count, sum::text AS sum, min, max, first_ts, first_value::text AS first_value,"
          + " last_ts, last_value::text AS last_value, first_start_ts, increase::text AS increase, resets,"
          + " integral::text AS integral, end_before_first, end_after_last, p95, sketch::text AS sketch";

  private RollupStore() {}

  /** Buckets of the given series with start in [from, to), per series in time order. */
  public static Map<Long, List<BucketRow>> rows(
      Connection c, Resolution level, long[] seriesIds, Instant from, Instant to) throws SQLException {
    return rows(c, level, seriesIds, from, to, true);
  }

  /** As {@link #rows(Connection, Resolution, long[], Instant, Instant)}; without sketches unless asked. */
  public static Map<Long, List<BucketRow>> rows(
      Connection c, Resolution level, long[] seriesIds, Instant from, Instant to, boolean withSketches)
      throws SQLException {
    Map<Long, List<BucketRow>> out = new HashMap<>();
    String columns = withSketches ? COLUMNS : COLUMNS.replace("sketch::text AS sketch", "NULL::text AS sketch");
    String sql =
        "SELECT " + columns + " FROM " + level.table()
            + " WHERE series_id = ANY(?) AND bucket_start >= ? AND bucket_start < ? ORDER BY series_id, bucket_start";
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      Array ids = ids(c, seriesIds);
      ps.setArray(1, ids);
      SqlTime.bind(ps, 2, from);
      SqlTime.bind(ps, 3, to);
      ps.setFetchSize(10_000);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          BucketRow r = read(rs, level);
          out.computeIfAbsent(r.seriesId(), k -> new ArrayList<>()).add(r);
        }
      }
    }
    return out;
  }

  /**
   * Per series, the latest bucket with samples that ends at or before {@code before}, from the
   * finest level that has one (coarser levels outlive finer ones under retention).
   */
  public static Map<Long, BucketRow> previousRows(Connection c, long[] seriesIds, Instant before) throws SQLException {
    Map<Long, BucketRow> out = new HashMap<>();
    for (Resolution level : Resolution.values()) {
      String sql =
          "SELECT p.* FROM unnest(?::bigint[]) AS k(id) CROSS JOIN LATERAL (SELECT " + COLUMNS + " FROM "
              + level.table() + " r WHERE r.series_id = k.id AND r.bucket_start <= ? AND r.count > 0"
              + " ORDER BY r.bucket_start DESC LIMIT 1) p";
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        ps.setArray(1, ids(c, seriesIds));
        SqlTime.bind(ps, 2, before.minus(level.width()));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            BucketRow r = read(rs, level);
            out.merge(r.seriesId(), r, (a, b) -> a.lastTs().isBefore(b.lastTs()) ? b : a);
          }
        }
      }
    }
    return out;
  }

  /** Series among {@code seriesIds} that ended (staleness marker) in (after[id], before). */
  public static java.util.Set<Long> endedBetween(Connection c, Map<Long, BucketRow> after, Instant before)
      throws SQLException {
    java.util.Set<Long> out = new java.util.HashSet<>();
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT 1 FROM series_ends WHERE series_id = ? AND ts > ? AND ts < ? LIMIT 1")) {
      for (BucketRow r : after.values()) {
        ps.setLong(1, r.seriesId());
        SqlTime.bind(ps, 2, r.lastTs());
        SqlTime.bind(ps, 3, before);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            out.add(r.seriesId());
          }
        }
      }
    }
    return out;
  }

  private static Array ids(Connection c, long[] seriesIds) throws SQLException {
    Long[] boxed = new Long[seriesIds.length];
    for (int i = 0; i < seriesIds.length; i++) {
      boxed[i] = seriesIds[i];
    }
    return c.createArrayOf("bigint", boxed);
  }

  static BucketRow read(ResultSet rs, Resolution level) throws SQLException {
    String sketch = rs.getString("sketch");
    try {
      return new BucketRow(
          rs.getLong("series_id"),
          level,
          SqlTime.read(rs, "bucket_start"),
          rs.getLong("count"),
          new BigDecimal(rs.getString("sum")),
          (Double) rs.getObject("min"),
          (Double) rs.getObject("max"),
          SqlTime.read(rs, "first_ts"),
          decimal(rs.getString("first_value")),
          SqlTime.read(rs, "last_ts"),
          decimal(rs.getString("last_value")),
          SqlTime.read(rs, "first_start_ts"),
          new BigDecimal(rs.getString("increase")),
          rs.getInt("resets"),
          new BigDecimal(rs.getString("integral")),
          SqlTime.read(rs, "end_before_first"),
          SqlTime.read(rs, "end_after_last"),
          (Double) rs.getObject("p95"),
          sketch == null ? Map.of() : JSON.readValue(sketch, SKETCH));
    } catch (IOException e) {
      throw new SQLException("unreadable sketch", e);
    }
  }

  private static BigDecimal decimal(String s) {
    return s == null ? null : new BigDecimal(s);
  }
}
