package io.promledger.adapter.report;

import io.promledger.adapter.rollup.Resolution;
import io.promledger.adapter.rollup.SqlTime;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.EnumMap;
import java.util.Map;

/**
 * Picks, per step, the finest rollup level that still holds it: its buckets must fit the step
 * (local days of a zone whose offset is not a whole number of hours need 5-minute buckets; only
 * UTC days can come from daily buckets) and retention must not have removed its start yet.
 */
final class LevelChooser {
  private final Map<Resolution, Instant> oldest = new EnumMap<>(Resolution.class);
  private final Map<Resolution, Instant> doneUntil = new EnumMap<>(Resolution.class);
  private final Resolution forced;

  LevelChooser(Connection c, Resolution forced) throws SQLException {
    this.forced = forced;
    for (Resolution r : Resolution.values()) {
      try (PreparedStatement ps = c.prepareStatement("SELECT min(bucket_start) AS b FROM " + r.table());
          ResultSet rs = ps.executeQuery()) {
        rs.next();
        Instant b = SqlTime.read(rs, "b");
        if (b != null) {
          oldest.put(r, b);
        }
      }
      try (PreparedStatement ps = c.prepareStatement("SELECT done_until FROM rollup_progress WHERE resolution = ?")) {
        ps.setInt(1, r.seconds());
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          doneUntil.put(r, SqlTime.read(rs, "done_until"));
        }
      }
    }
  }

  Resolution choose(Instant from, Instant to, ZoneId zone) {
    if (forced != null) {
      if (!forced.isAligned(from) || !forced.isAligned(to)) {
        throw new IllegalArgumentException(
            "level " + forced.label() + " cannot serve the step " + from + " .. " + to + " in " + zone.getId()
                + ": its buckets do not fit the step; use a finer level or level=auto");
      }
      return forced;
    }
    Resolution fallback = null;
    for (Resolution r : Resolution.values()) {
      if (!r.isAligned(from) || !r.isAligned(to)) {
        continue;
      }
      Instant o = oldest.get(r);
      if (o != null && !o.isAfter(from)) {
        return r;
      }
      if (fallback == null || (o != null && oldest.get(fallback) == null)) {
        fallback = r;
      }
    }
    if (fallback == null) {
      throw new IllegalArgumentException(
          "the step " + from + " .. " + to + " does not fall on 5-minute boundaries; use bounds and a zone whose"
              + " offsets are multiples of 5 minutes");
    }
    return fallback;
  }

  /** True when every bucket of {@code level} before {@code t} has been computed. */
  boolean complete(Resolution level, Instant t) {
    return !doneUntil.get(level).isBefore(t);
  }
}
