package io.promledger.adapter.storage;

import io.promledger.adapter.ingest.MetadataRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;

/**
 * Upserts metric metadata. Prometheus resends all of it every minute (1.0) or with every series
 * (2.0), so unchanged entries are written at most once per refresh interval.
 */
public final class MetadataStore {
  private static final long REFRESH_MS = 10 * 60_000L;
  private static final int MAX_CACHED = 200_000;

  private final DataSource dataSource;
  private final Map<String, Seen> seen = new ConcurrentHashMap<>();

  public MetadataStore(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  private record Seen(MetadataRecord record, long writtenAtMs) {}

  /** Returns the number of entries written (the rest were unchanged and recent). */
  public int upsert(String tenant, List<MetadataRecord> records) throws SQLException {
    long now = System.currentTimeMillis();
    Map<String, MetadataRecord> todo = new LinkedHashMap<>();
    for (MetadataRecord r : records) {
      String key = tenant + '\u0000' + r.family();
      Seen s = seen.get(key);
      if (s == null || !s.record().equals(r) || now - s.writtenAtMs() > REFRESH_MS) {
        todo.put(key, r); // the last entry for a family in a request wins
      }
    }
    if (todo.isEmpty()) {
      return 0;
    }
    List<MetadataRecord> rows = new ArrayList<>(todo.values());
    // Sorted so that concurrent upserts lock rows in the same order.
    rows.sort((a, b) -> a.family().compareTo(b.family()));
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO metric_metadata (tenant, metric_family, type, unit, help, updated_at) "
                    + "SELECT ?, f, t, u, h, now() FROM unnest(?::text[], ?::text[], ?::text[], ?::text[]) AS x(f, t, u, h) "
                    + "ON CONFLICT (tenant, metric_family) DO UPDATE SET type = EXCLUDED.type, unit = EXCLUDED.unit, "
                    + "help = EXCLUDED.help, updated_at = EXCLUDED.updated_at")) {
      c.setAutoCommit(true);
      ps.setString(1, tenant);
      ps.setArray(2, c.createArrayOf("text", rows.stream().map(MetadataRecord::family).toArray()));
      ps.setArray(3, c.createArrayOf("text", rows.stream().map(MetadataRecord::type).toArray()));
      ps.setArray(4, c.createArrayOf("text", rows.stream().map(MetadataRecord::unit).toArray()));
      ps.setArray(5, c.createArrayOf("text", rows.stream().map(MetadataRecord::help).toArray()));
      ps.executeUpdate();
    }
    if (seen.size() > MAX_CACHED) {
      seen.clear();
    }
    todo.forEach((k, r) -> seen.put(k, new Seen(r, now)));
    return rows.size();
  }
}
