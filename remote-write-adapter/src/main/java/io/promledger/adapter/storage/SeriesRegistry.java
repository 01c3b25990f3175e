package io.promledger.adapter.storage;

import io.promledger.adapter.ingest.LabelSet;
import io.promledger.adapter.metrics.AdapterMetrics;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Resolves label sets to series ids. Known series come from the cache and never touch SQL; new
 * ones are created with INSERT ... ON CONFLICT DO NOTHING, race-free when several adapter
 * replicas create the same series at once. Creation is serialised by a transaction-level
 * advisory lock, which rules out deadlocks between replicas and gives the series of one request
 * consecutive ids in the order they came: their samples then land next to each other in the
 * samples index instead of all over it.
 */
public final class SeriesRegistry {
  private static final String SELECT =
      "SELECT labels_hash, id FROM series WHERE tenant = ? AND labels_hash = ANY (?)";
  private static final String INSERT =
      "INSERT INTO series (tenant, metric_name, labels, labels_hash) "
          + "SELECT ?, u.m, u.l::jsonb, u.h FROM unnest(?::text[], ?::text[], ?::bytea[]) WITH ORDINALITY AS u(m, l, h, n) "
          + "ORDER BY u.n ON CONFLICT (tenant, labels_hash) DO NOTHING RETURNING labels_hash, id";
  /** The two-key form has its own key space, apart from the jobs' single-key lock. */
  private static final String CREATION_LOCK = "SELECT pg_advisory_xact_lock(1886547309, 'series'::regclass::oid::integer)";

  private final DataSource dataSource;
  private final SeriesCache cache;
  private final AdapterMetrics metrics;

  public SeriesRegistry(DataSource dataSource, SeriesCache cache, AdapterMetrics metrics) {
    this.dataSource = dataSource;
    this.cache = cache;
    this.metrics = metrics;
  }

  /** Ids of the series in the cache, 0 for the others. */
  public long[] cached(String tenant, List<LabelSet> sets) {
    long[] ids = new long[sets.size()];
    for (int i = 0; i < sets.size(); i++) {
      Long id = cache.get(SeriesCache.Key.of(tenant, sets.get(i).hash()));
      ids[i] = id == null ? 0 : id;
    }
    return ids;
  }

  /** Ids for {@code sets}, in the same order; creates the series that do not exist yet. */
  public long[] resolve(String tenant, List<LabelSet> sets) throws SQLException {
    long[] ids = new long[sets.size()];
    // In request order: that is the order of the new ids.
    Map<SeriesCache.Key, List<Integer>> missing = new LinkedHashMap<>();
    Map<SeriesCache.Key, LabelSet> missingSets = new LinkedHashMap<>();
    for (int i = 0; i < sets.size(); i++) {
      SeriesCache.Key key = SeriesCache.Key.of(tenant, sets.get(i).hash());
      Long id = cache.get(key);
      if (id != null) {
        ids[i] = id;
      } else {
        missing.computeIfAbsent(key, k -> new ArrayList<>()).add(i);
        missingSets.putIfAbsent(key, sets.get(i));
      }
    }
    metrics.seriesCacheHits.inc(sets.size() - missing.values().stream().mapToInt(List::size).sum());
    if (missing.isEmpty()) {
      return ids;
    }
    metrics.seriesCacheMisses.inc(missing.size());
    Map<SeriesCache.Key, Long> found = new HashMap<>();
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(true);
      List<LabelSet> unknown = new ArrayList<>(missingSets.values());
      select(c, tenant, unknown, found);
      unknown.removeIf(s -> found.containsKey(SeriesCache.Key.of(tenant, s.hash())));
      if (!unknown.isEmpty()) {
        int created = insert(c, tenant, unknown, found);
        metrics.seriesCreated.inc(created);
        unknown.removeIf(s -> found.containsKey(SeriesCache.Key.of(tenant, s.hash())));
        if (!unknown.isEmpty()) {
          select(c, tenant, unknown, found); // created by another replica meanwhile
        }
      }
    }
    for (Map.Entry<SeriesCache.Key, List<Integer>> e : missing.entrySet()) {
      Long id = found.get(e.getKey());
      if (id == null) {
        throw new SQLException("series " + missingSets.get(e.getKey()) + " could not be created", "XX000");
      }
      cache.put(e.getKey(), id);
      for (int i : e.getValue()) {
        ids[i] = id;
      }
    }
    return ids;
  }

  private static void select(Connection c, String tenant, List<LabelSet> sets, Map<SeriesCache.Key, Long> found)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(SELECT)) {
      ps.setString(1, tenant);
      ps.setArray(2, c.createArrayOf("bytea", sets.stream().map(LabelSet::hash).toArray(byte[][]::new)));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          found.put(SeriesCache.Key.of(tenant, rs.getBytes(1)), rs.getLong(2));
        }
      }
    }
  }

  private static int insert(Connection c, String tenant, List<LabelSet> sets, Map<SeriesCache.Key, Long> found)
      throws SQLException {
    int created = 0;
    c.setAutoCommit(false);
    try {
      try (PreparedStatement lock = c.prepareStatement(CREATION_LOCK)) {
        lock.execute();
      }
      try (PreparedStatement ps = c.prepareStatement(INSERT)) {
        ps.setString(1, tenant);
        Array names = c.createArrayOf("text", sets.stream().map(LabelSet::metricName).toArray());
        Array labels = c.createArrayOf("text", sets.stream().map(LabelSet::labelsJson).toArray());
        Array hashes = c.createArrayOf("bytea", sets.stream().map(LabelSet::hash).toArray(byte[][]::new));
        ps.setArray(2, names);
        ps.setArray(3, labels);
        ps.setArray(4, hashes);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            found.put(SeriesCache.Key.of(tenant, rs.getBytes(1)), rs.getLong(2));
            created++;
          }
        }
      }
      c.commit();
    } catch (SQLException | RuntimeException e) {
      try {
        c.rollback();
      } catch (SQLException ignored) {
        // the connection is broken; the pool discards it
      }
      throw e;
    }
    c.setAutoCommit(true);
    return created;
  }
}
