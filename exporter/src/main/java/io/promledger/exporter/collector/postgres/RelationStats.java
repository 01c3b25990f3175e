package io.promledger.exporter.collector.postgres;

import io.promledger.exporter.collector.Families;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * Per-table and per-index figures of one database, named as postgres_exporter names them where it
 * has them. Its table counters have no {@code _total} suffix and client_java can only write such a
 * name as a gauge, so they are gauges here: {@code rate()} works on them the same.
 */
final class RelationStats {
  private static final String TABLES =
      "SELECT t.schemaname, t.relname, t.seq_scan, t.seq_tup_read, COALESCE(t.idx_scan, 0),"
          + " COALESCE(t.idx_tup_fetch, 0), t.n_live_tup, t.n_dead_tup, pg_table_size(t.relid), t.relid,"
          + " COALESCE(pg_total_relation_size(NULLIF(c.reltoastrelid, 0)), 0)"
          + " FROM pg_stat_user_tables t JOIN pg_class c ON c.oid = t.relid";
  // Every fork of the index, as pg_indexes_size counts them; summed per table here rather than
  // asking the server to size each index twice.
  private static final String INDEXES =
      "SELECT schemaname, relname, indexrelname, idx_scan, idx_tup_read, pg_total_relation_size(indexrelid), relid"
          + " FROM pg_stat_user_indexes";

  private RelationStats() {}

  static int collect(Connection c, String datname, int timeout, Families f) throws SQLException {
    Map<Long, Double> indexBytes = new HashMap<>();
    int bad = Rows.each(c, timeout, INDEXES, rs -> {
      String[] l = {"datname", datname, "schemaname", Rows.text(rs, 1), "relname", Rows.text(rs, 2),
          "indexrelname", Rows.text(rs, 3)};
      double size = Rows.number(rs, 6);
      f.counter("pg_stat_user_indexes_idx_scan", "Index scans initiated on this index; 0 for an unused index.",
          Rows.number(rs, 4), l);
      f.counter("pg_stat_user_indexes_idx_tup_read", "Index entries returned by scans on this index.",
          Rows.number(rs, 5), l);
      f.gauge("pg_stat_user_indexes_size_bytes", "Disk space of the index.", size, l);
      indexBytes.merge(rs.getLong(7), size, Double::sum);
    });
    bad +=
        Rows.each(c, timeout, TABLES, rs -> {
          String[] l = {"datname", datname, "schemaname", Rows.text(rs, 1), "relname", Rows.text(rs, 2)};
          f.gauge("pg_stat_user_tables_seq_scan", "Number of sequential scans initiated on this table.", Rows.number(rs, 3), l);
          f.gauge("pg_stat_user_tables_seq_tup_read", "Number of live rows fetched by sequential scans.", Rows.number(rs, 4), l);
          f.gauge("pg_stat_user_tables_idx_scan", "Number of index scans initiated on this table.", Rows.number(rs, 5), l);
          f.gauge("pg_stat_user_tables_idx_tup_fetch", "Number of live rows fetched by index scans.", Rows.number(rs, 6), l);
          f.gauge("pg_stat_user_tables_n_live_tup", "Estimated number of live rows.", Rows.number(rs, 7), l);
          f.gauge("pg_stat_user_tables_n_dead_tup", "Estimated number of dead rows.", Rows.number(rs, 8), l);
          f.gauge("pg_stat_user_tables_table_size_bytes",
              "Disk space of the table, including its TOAST data (pg_table_size).", Rows.number(rs, 9), l);
          f.gauge("pg_stat_user_tables_index_size_bytes",
              "Disk space of the table's indexes (as pg_indexes_size).", indexBytes.getOrDefault(rs.getLong(10), 0.0), l);
          f.gauge("pg_stat_user_tables_toast_size_bytes",
              "Disk space of the table's TOAST table and its index, 0 without one.", Rows.number(rs, 11), l);
        });
    return bad;
  }
}
