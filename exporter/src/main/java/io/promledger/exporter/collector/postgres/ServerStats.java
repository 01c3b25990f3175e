package io.promledger.exporter.collector.postgres;

import io.promledger.exporter.collector.Families;
import java.sql.Connection;
import java.sql.SQLException;

/** Server-wide figures: connections by database and state, database sizes, max_connections. */
final class ServerStats {
  // The states of pg_stat_activity, so that a state with no backend is written as 0, not absent.
  private static final String ACTIVITY =
      "SELECT d.datname, s.state, COALESCE(a.n, 0), COALESCE(a.max_tx, 0)"
          + " FROM pg_database d"
          + " CROSS JOIN (VALUES ('active'), ('idle'), ('idle in transaction'), ('idle in transaction (aborted)'),"
          + " ('fastpath function call'), ('disabled')) AS s(state)"
          + " LEFT JOIN (SELECT datname, state, count(*) AS n,"
          + " max(EXTRACT(EPOCH FROM clock_timestamp() - xact_start)) AS max_tx"
          + " FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname IS NOT NULL AND state IS NOT NULL"
          + " GROUP BY datname, state) a ON a.datname = d.datname AND a.state = s.state"
          + " WHERE NOT d.datistemplate";
  private static final String SIZES =
      "SELECT datname, pg_database_size(oid) FROM pg_database"
          + " WHERE datallowconn AND has_database_privilege(oid, 'CONNECT')";
  private static final String SETTINGS =
      "SELECT setting::float8 FROM pg_settings WHERE name = 'max_connections'";

  private ServerStats() {}

  static int collect(Connection c, int timeout, Families f) throws SQLException {
    int bad =
        Rows.each(c, timeout, ACTIVITY, rs -> {
          String datname = Rows.text(rs, 1);
          String state = Rows.text(rs, 2);
          f.gauge("pg_stat_activity_count", "Number of connections in this state.", rs.getDouble(3),
              "datname", datname, "state", state);
          f.gauge("pg_stat_activity_max_tx_duration",
              "Longest time in seconds a transaction in this state has been open.", rs.getDouble(4),
              "datname", datname, "state", state);
        });
    bad += Rows.each(c, timeout, SIZES, rs ->
        f.gauge("pg_database_size_bytes", "Disk space used by the database.", Rows.number(rs, 2),
            "datname", Rows.text(rs, 1)));
    bad += Rows.each(c, timeout, SETTINGS, rs ->
        f.gauge("pg_settings_max_connections", "Server Parameter: max_connections", rs.getDouble(1)));
    return bad;
  }
}
