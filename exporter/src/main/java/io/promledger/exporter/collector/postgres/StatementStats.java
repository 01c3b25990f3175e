package io.promledger.exporter.collector.postgres;

import io.promledger.exporter.collector.Families;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * pg_stat_statements, top N statements by total execution time, labelled {@code user, datname,
 * queryid} with the metric names of postgres_exporter; the text of a statement only as the opt-in
 * {@code pg_stat_statements_query_id{queryid, query}} series, whitespace collapsed and truncated.
 */
final class StatementStats {
  private static final String[] NAMES = {
    "pg_stat_statements_calls", "Number of times the statement was executed.",
    "pg_stat_statements_seconds", "Total time spent executing the statement, in seconds.",
    "pg_stat_statements_plan_seconds", "Total time spent planning the statement, in seconds.",
    "pg_stat_statements_rows", "Total number of rows retrieved or affected by the statement.",
    "pg_stat_statements_shared_blks_hit", "Shared block cache hits by the statement.",
    "pg_stat_statements_shared_blks_read", "Shared blocks read by the statement.",
    "pg_stat_statements_block_read_seconds", "Time the statement spent reading data file blocks, in seconds.",
    "pg_stat_statements_block_write_seconds", "Time the statement spent writing data file blocks, in seconds.",
  };

  private StatementStats() {}

  static int collect(StatementStatsQuery query, Connection c, int timeout, int queryLength, Families f)
      throws SQLException {
    return Rows.each(c, timeout, query.sql(), rs -> {
      String[] l = {"user", Rows.text(rs, 1), "datname", Rows.text(rs, 2), "queryid", Rows.text(rs, 3)};
      for (int i = 0; i < NAMES.length / 2; i++) {
        int column = 4 + i;
        if (column == 6 && !query.hasPlanTime()) {
          continue;
        }
        f.counter(NAMES[2 * i], NAMES[2 * i + 1], Rows.number(rs, column), l);
      }
      String text = rs.getString(12);
      if (text != null) {
        f.gauge("pg_stat_statements_query_id", "The text of a statement, normalised and truncated; value 1.", 1,
            "queryid", l[5], "query", normalise(text, queryLength));
      }
    });
  }

  /** Whitespace runs become one space, then the text is cut to {@code length} characters. */
  static String normalise(String query, int length) {
    String s = query.replaceAll("\\s+", " ").trim();
    if (s.codePointCount(0, s.length()) <= length) {
      return s;
    }
    return s.substring(0, s.offsetByCodePoints(0, length));
  }

  /** PostgreSQL 14's pg_stat_statements_info: entries evicted, and when the statistics were reset. */
  static int collectInfo(String schema, Connection c, int timeout, Families f) throws SQLException {
    String view = "\"" + schema.replace("\"", "\"\"") + "\".pg_stat_statements_info";
    boolean exists;
    try (var ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
      ps.setString(1, view);
      try (var rs = ps.executeQuery()) {
        rs.next();
        exists = rs.getBoolean(1);
      }
    }
    if (!exists) {
      return 0;
    }
    return Rows.each(c, timeout, "SELECT dealloc, EXTRACT(EPOCH FROM stats_reset) FROM " + view, rs -> {
      f.counter("pg_stat_statements_dealloc",
          "Statements evicted because pg_stat_statements.max was reached; a rising value means lost statistics.",
          Rows.number(rs, 1));
      f.gauge("pg_stat_statements_stats_reset_timestamp_seconds",
          "When the pg_stat_statements statistics were last reset.", Rows.number(rs, 2));
    });
  }
}
