package io.promledger.exporter.collector.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The pg_stat_statements query that fits the extension actually installed: the columns are read
 * from the catalog, because they were renamed in PostgreSQL 13 ({@code total_time} became {@code
 * total_exec_time}, planning columns appeared) and 17 ({@code blk_read_time} became {@code
 * shared_blk_read_time}), and the extension version need not match the server version.
 */
record StatementStatsQuery(String schema, String extensionVersion, String sql, boolean hasPlanTime) {

  /** Why the extension cannot be read in this database, or the query to read it. */
  sealed interface Detection permits Available, Unavailable {}

  record Available(StatementStatsQuery query) implements Detection {}

  record Unavailable(String reason) implements Detection {}

  static Detection detect(Connection c, int limit, boolean includeQuery, int queryLength) throws SQLException {
    String schema;
    String version;
    try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT n.nspname, e.extversion FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
                    + " WHERE e.extname = 'pg_stat_statements'");
        ResultSet rs = ps.executeQuery()) {
      if (!rs.next()) {
        return new Unavailable(
            "extension pg_stat_statements is not created in database " + c.getCatalog()
                + " (run CREATE EXTENSION pg_stat_statements there)");
      }
      schema = rs.getString(1);
      version = rs.getString(2);
    }
    if (!preloaded(c)) {
      return new Unavailable(
          "pg_stat_statements is not in shared_preload_libraries (add it to postgresql.conf and restart the server)");
    }
    Set<String> columns = new HashSet<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT a.attname FROM pg_attribute a WHERE a.attrelid = (quote_ident(?) || '.pg_stat_statements')::regclass"
                + " AND a.attnum > 0 AND NOT a.attisdropped")) {
      ps.setString(1, schema);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          columns.add(rs.getString(1));
        }
      }
    }
    return new Available(build(schema, version, columns, limit, includeQuery, queryLength));
  }

  private static boolean preloaded(Connection c) throws SQLException {
    try (PreparedStatement ps =
            c.prepareStatement("SELECT current_setting('shared_preload_libraries')");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      String libs = Optional.ofNullable(rs.getString(1)).orElse("");
      for (String lib : libs.split(",")) {
        String name = lib.trim().replace("\"", "");
        if (name.equals("pg_stat_statements") || name.endsWith("/pg_stat_statements")) {
          return true;
        }
      }
      return false;
    }
  }

  static StatementStatsQuery build(
      String schema, String version, Set<String> columns, int limit, boolean includeQuery, int queryLength) {
    String exec = columns.contains("total_exec_time") ? "total_exec_time" : "total_time";
    boolean plan = columns.contains("total_plan_time");
    String blkRead = columns.contains("shared_blk_read_time") ? "shared_blk_read_time" : "blk_read_time";
    String blkWrite = columns.contains("shared_blk_write_time") ? "shared_blk_write_time" : "blk_write_time";
    String q = quoteIdent(schema);
    // Summed by (user, database, queryid): with track = all the same statement has a top-level
    // and a nested row, and one label set must come out once.
    String sql =
        "SELECT r.rolname, d.datname, s.queryid::text,"
            + " sum(s.calls), sum(s." + exec + ") / 1000, " + (plan ? "sum(s.total_plan_time) / 1000" : "NULL")
            + ", sum(s.rows), sum(s.shared_blks_hit), sum(s.shared_blks_read),"
            + " sum(s." + blkRead + ") / 1000, sum(s." + blkWrite + ") / 1000, "
            + (includeQuery ? "left(min(s.query), " + Math.max(1, queryLength) * 4 + ")" : "NULL")
            + " FROM " + q + ".pg_stat_statements(" + includeQuery + ") s"
            + " JOIN pg_roles r ON r.oid = s.userid JOIN pg_database d ON d.oid = s.dbid"
            + " WHERE s.queryid IS NOT NULL"
            + " GROUP BY r.rolname, d.datname, s.queryid"
            + " ORDER BY sum(s." + exec + ") DESC, s.queryid LIMIT " + Math.max(0, limit);
    return new StatementStatsQuery(schema, version, sql, plan);
  }

  private static String quoteIdent(String s) {
    return "\"" + s.replace("\"", "\"\"") + "\"";
  }
}
