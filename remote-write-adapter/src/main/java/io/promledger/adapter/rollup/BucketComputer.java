package io.promledger.adapter.rollup;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import org.postgresql.util.PGInterval;

/**
 * Recomputes whole buckets of one level from the raw samples and upserts them, so that running
 * it twice over the same buckets gives the same rows. Only buckets that lie entirely inside
 * {@code [from, to)} are touched (callers pass aligned bounds).
 *
 * <p>Gauges are carried forward for at most {@code maxGap}: a value holds until the next sample,
 * the series' end (staleness marker) or {@code maxGap}, whichever comes first.
 */
final class BucketComputer {
  private static final String TEMPLATE =
      """
      -- The finiteness test is written out (not is_finite()) so that it is evaluated inline.
      WITH ev AS (
          SELECT series_id, date_bin(WIDTH, ts, timestamptz 'epoch') AS b, ts, value, false AS is_end
          FROM samples
          WHERE ts >= ? AND ts < ? AND value <> 'NaN' AND value <> 'Infinity' AND value <> '-Infinity' SERIES_FILTER
          UNION ALL
          SELECT series_id, date_bin(WIDTH, ts, timestamptz 'epoch'), ts, NULL, true
          FROM series_ends
          WHERE ts >= ? AND ts < ? SERIES_FILTER
      ),
      cs AS (
          SELECT series_id, b, ts, value,
                 lag(ts) OVER x AS pts,
                 lag(value) OVER x AS pv,
                 row_number() OVER x AS rn,
                 count(*) OVER (PARTITION BY series_id, b) AS cnt
          FROM ev
          WHERE NOT is_end
          WINDOW x AS (PARTITION BY series_id, b ORDER BY ts)
      ),
      -- A remote-write 2.0 start timestamp after a sample's predecessor marks a reset at the
      -- first sample at or after it.
      rs AS (
          SELECT DISTINCT st.series_id,
                 (SELECT min(c.ts) FROM cs c WHERE c.series_id = st.series_id AND c.ts >= st.start_ts) AS ts
          FROM series_starts st
          WHERE st.start_ts > ? AND st.start_ts < ? START_FILTER
      ),
      sa AS (
          SELECT c.series_id, c.b,
                 count(*) AS n,
                 sum(exact_numeric(c.value)) AS total,
                 min(c.value) AS mn,
                 max(c.value) AS mx,
                 min(c.ts) AS first_ts,
                 max(c.value) FILTER (WHERE c.rn = 1) AS first_value,
                 max(c.ts) AS last_ts,
                 max(c.value) FILTER (WHERE c.rn = c.cnt) AS last_value,
                 COALESCE(sum(CASE WHEN r.ts IS NOT NULL OR c.value < c.pv THEN exact_numeric(c.value)
                                   ELSE exact_numeric(c.value) - exact_numeric(c.pv) END)
                          FILTER (WHERE c.pts IS NOT NULL), 0) AS increase,
                 count(*) FILTER (WHERE c.pts IS NOT NULL AND (r.ts IS NOT NULL OR c.value < c.pv)) AS resets,
                 percentile_disc(0.95) WITHIN GROUP (ORDER BY c.value) AS p95
          FROM cs c
          LEFT JOIN rs r ON r.series_id = c.series_id AND r.ts = c.ts
          GROUP BY c.series_id, c.b
      ),
      ia AS (
          SELECT series_id, b,
                 COALESCE(sum(exact_numeric(value)
                              * extract(epoch FROM least(COALESCE(nts, b + WIDTH), ts + ?::interval) - ts))
                          FILTER (WHERE NOT is_end), 0) AS integral,
                 array_agg(ts) FILTER (WHERE is_end) AS ends
          FROM (SELECT ev.*, lead(ts) OVER (PARTITION BY series_id, b ORDER BY ts, is_end) AS nts FROM ev) w
          GROUP BY series_id, b
      ),
      sk AS (
          SELECT series_id, b, jsonb_object_agg(k, n) AS sketch
          FROM (SELECT series_id, b, sketch_key(value) AS k, count(*) AS n
                FROM ev WHERE NOT is_end GROUP BY 1, 2, 3) x
          GROUP BY series_id, b
      )
      INSERT INTO TABLE (series_id, bucket_start, count, sum, min, max, first_ts, first_value,
                         last_ts, last_value, first_start_ts, increase, resets, integral,
                         end_before_first, end_after_last, p95, sketch, computed_at)
      SELECT ia.series_id, ia.b, COALESCE(sa.n, 0), COALESCE(sa.total, 0), sa.mn, sa.mx,
             sa.first_ts, sa.first_value, sa.last_ts, sa.last_value,
             (SELECT max(x.start_ts) FROM series_starts x
               WHERE x.series_id = ia.series_id AND x.start_ts <= sa.first_ts),
             COALESCE(sa.increase, 0), COALESCE(sa.resets, 0), ia.integral,
             (SELECT min(e) FROM unnest(ia.ends) e WHERE sa.first_ts IS NULL OR e < sa.first_ts),
             (SELECT min(e) FROM unnest(ia.ends) e WHERE e > sa.last_ts),
             sa.p95, COALESCE(sk.sketch, '{}'::jsonb), now()
      FROM ia
      LEFT JOIN sa ON sa.series_id = ia.series_id AND sa.b = ia.b
      LEFT JOIN sk ON sk.series_id = ia.series_id AND sk.b = ia.b
      ON CONFLICT (series_id, bucket_start) DO UPDATE SET
          count = EXCLUDED.count, sum = EXCLUDED.sum, min = EXCLUDED.min, max = EXCLUDED.max,
          first_ts = EXCLUDED.first_ts, first_value = EXCLUDED.first_value,
          last_ts = EXCLUDED.last_ts, last_value = EXCLUDED.last_value,
          first_start_ts = EXCLUDED.first_start_ts, increase = EXCLUDED.increase,
          resets = EXCLUDED.resets, integral = EXCLUDED.integral,
          end_before_first = EXCLUDED.end_before_first, end_after_last = EXCLUDED.end_after_last,
          p95 = EXCLUDED.p95, sketch = EXCLUDED.sketch, computed_at = EXCLUDED.computed_at
      """;

  private final Map<Resolution, String> allSeries = new EnumMap<>(Resolution.class);
  private final Map<Resolution, String> someSeries = new EnumMap<>(Resolution.class);
  private final PGInterval maxGap;

  BucketComputer(Duration maxGap) {
    this.maxGap = new PGInterval(0, 0, 0, 0, 0, maxGap.toMillis() / 1000.0);
    for (Resolution r : Resolution.values()) {
      allSeries.put(r, sql(r, "", ""));
      someSeries.put(r, sql(r, "AND series_id = ANY(?)", "AND st.series_id = ANY(?)"));
    }
  }

  private static String sql(Resolution r, String seriesFilter, String startFilter) {
    return TEMPLATE
        .replace("WIDTH", "interval '" + r.seconds() + " seconds'")
        .replace("INTO TABLE", "INTO " + r.table())
        .replace("SERIES_FILTER", seriesFilter)
        .replace("START_FILTER", startFilter);
  }

  /** Recomputes every bucket of {@code level} in [from, to) that has data; returns the rows written. */
  int computeAll(Connection c, Resolution level, Instant from, Instant to) throws SQLException {
    return run(c, allSeries.get(level), from, to, null);
  }

  /** Recomputes the buckets of {@code level} in [from, to) of the given series only. */
  int computeSeries(Connection c, Resolution level, Instant from, Instant to, long[] seriesIds)
      throws SQLException {
    Array ids = c.createArrayOf("bigint", box(seriesIds));
    try {
      return run(c, someSeries.get(level), from, to, ids);
    } finally {
      ids.free();
    }
  }

  private int run(Connection c, String sql, Instant from, Instant to, Array ids) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      int i = 1;
      for (int part = 0; part < 3; part++) {
        SqlTime.bind(ps, i++, from);
        SqlTime.bind(ps, i++, to);
        if (ids != null) {
          ps.setArray(i++, ids);
        }
      }
      ps.setObject(i, maxGap);
      return ps.executeUpdate();
    }
  }

  private static Long[] box(long[] a) {
    Long[] out = new Long[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = a[i];
    }
    return out;
  }
}
