package io.promledger.adapter.rollup;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/** Binds and reads {@code timestamptz} as {@link Instant}, mapping PostgreSQL's infinities. */
public final class SqlTime {
  private SqlTime() {}

  public static void bind(PreparedStatement ps, int index, Instant t) throws SQLException {
    if (t == null) {
      ps.setNull(index, java.sql.Types.TIMESTAMP_WITH_TIMEZONE);
    } else if (t.equals(Instant.MIN)) {
      ps.setObject(index, OffsetDateTime.MIN);
    } else if (t.equals(Instant.MAX)) {
      ps.setObject(index, OffsetDateTime.MAX);
    } else {
      ps.setObject(index, OffsetDateTime.ofInstant(t, ZoneOffset.UTC));
    }
  }

  /** The instant in {@code column}, {@link Instant#MIN}/{@link Instant#MAX} for -/+infinity, or null. */
  public static Instant read(ResultSet rs, String column) throws SQLException {
    OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
    if (t == null) {
      return null;
    }
    if (t.equals(OffsetDateTime.MIN)) {
      return Instant.MIN;
    }
    if (t.equals(OffsetDateTime.MAX)) {
      return Instant.MAX;
    }
    return t.toInstant();
  }
}
