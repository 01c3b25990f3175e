package io.promledger.adapter.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Reads samples back from PostgreSQL in the same shape as {@link PrometheusApi#rawSamples}. */
public final class StoredSamples {
  private StoredSamples() {}

  public static Map<String, TreeMap<Long, Double>> read(String jdbcUrl, String metricRegex, long fromMs, long toMs) {
    ObjectMapper json = new ObjectMapper();
    Map<String, TreeMap<Long, Double>> out = new TreeMap<>();
    String sql =
        "SELECT s.metric_name, s.labels::text, (extract(epoch FROM sm.ts) * 1000)::bigint, sm.value "
            + "FROM promledger.samples sm JOIN promledger.series s ON s.id = sm.series_id "
            + "WHERE sm.ts BETWEEN to_timestamp(?::double precision / 1000) AND to_timestamp(?::double precision / 1000) "
            + "AND s.metric_name ~ ?";
    try (Connection c = DriverManager.getConnection(jdbcUrl);
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setLong(1, fromMs);
      ps.setLong(2, toMs);
      ps.setString(3, metricRegex);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          TreeMap<String, String> labels = new TreeMap<>();
          labels.put("__name__", rs.getString(1));
          JsonNode node = json.readTree(rs.getString(2));
          for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            labels.put(e.getKey(), e.getValue().asText());
          }
          out.computeIfAbsent(labels.toString(), k -> new TreeMap<>()).put(rs.getLong(3), rs.getDouble(4));
        }
      }
    } catch (SQLException | java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  /** Empty when equal; otherwise the first differences, readable in a test failure. */
  public static List<String> differences(Map<String, TreeMap<Long, Double>> expected, Map<String, TreeMap<Long, Double>> actual) {
    List<String> diffs = new ArrayList<>();
    for (Map.Entry<String, TreeMap<Long, Double>> e : expected.entrySet()) {
      TreeMap<Long, Double> got = actual.get(e.getKey());
      if (got == null) {
        diffs.add("missing series " + e.getKey() + " (" + e.getValue().size() + " samples)");
        continue;
      }
      for (Map.Entry<Long, Double> s : e.getValue().entrySet()) {
        Double v = got.get(s.getKey());
        if (v == null) {
          diffs.add("missing sample " + e.getKey() + " @" + s.getKey() + " = " + s.getValue());
        } else if (!v.equals(s.getValue())) {
          diffs.add("different value " + e.getKey() + " @" + s.getKey() + ": expected " + s.getValue() + " got " + v);
        }
      }
      for (Long ts : got.keySet()) {
        if (!e.getValue().containsKey(ts)) {
          diffs.add("unexpected sample " + e.getKey() + " @" + ts);
        }
      }
      if (diffs.size() > 20) {
        break;
      }
    }
    for (String key : actual.keySet()) {
      if (!expected.containsKey(key) && diffs.size() <= 20) {
        diffs.add("unexpected series " + key);
      }
    }
    return diffs;
  }

  public static long sampleCount(Map<String, TreeMap<Long, Double>> m) {
    return m.values().stream().mapToLong(TreeMap::size).sum();
  }
}
