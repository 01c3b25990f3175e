package io.promledger.exporter.collector.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs one bounded query and hands each row over; a row that cannot be read is skipped and counted. */
final class Rows {
  private static final Logger log = LoggerFactory.getLogger(Rows.class);

  interface RowReader {
    void read(ResultSet rs) throws SQLException;
  }

  private Rows() {}

  /** Returns the number of rows that could not be read. */
  static int each(Connection c, int timeoutSeconds, String sql, RowReader reader) throws SQLException {
    int bad = 0;
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setQueryTimeout(timeoutSeconds);
      ps.setFetchSize(1000);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          try {
            reader.read(rs);
          } catch (SQLException | RuntimeException e) {
            bad++;
            log.debug("msg=\"skipped a row\" err=\"{}\"", e.toString());
          }
        }
      }
    }
    return bad;
  }

  /** A numeric column, or NaN for NULL, so that a missing value is written as such and not as 0. */
  static double number(ResultSet rs, int column) throws SQLException {
    double v = rs.getDouble(column);
    return rs.wasNull() ? Double.NaN : v;
  }

  /** A text column that must be present; a NULL makes the row unusable rather than a fake label. */
  static String text(ResultSet rs, int column) throws SQLException {
    String v = rs.getString(column);
    if (v == null) {
      throw new SQLException("NULL in label column " + rs.getMetaData().getColumnName(column));
    }
    return v;
  }
}
