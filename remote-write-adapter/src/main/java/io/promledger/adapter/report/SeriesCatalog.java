package io.promledger.adapter.report;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Finds the series a selector picks; every name and value is a bound parameter. */
final class SeriesCatalog {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<Map<String, String>> LABELS = new TypeReference<>() {};

  /** A selected series. */
  record Series(long id, String metric, Map<String, String> labels) {}

  static List<Series> select(Connection c, String tenant, SeriesSelector selector) throws SQLException {
    StringBuilder sql = new StringBuilder("SELECT id, metric_name, labels::text FROM series WHERE tenant = ?");
    List<String> params = new ArrayList<>();
    params.add(tenant);
    for (SeriesSelector.LabelMatcher m : selector.matchers()) {
      String column = m.name().equals("__name__") ? "metric_name" : "COALESCE(labels ->> ?, '')";
      if (!m.name().equals("__name__")) {
        params.add(m.name());
      }
      String op =
          switch (m.op()) {
            case "=" -> " = ?";
            case "!=" -> " <> ?";
            case "=~" -> " ~ ?";
            default -> " !~ ?";
          };
      sql.append(" AND ").append(column).append(op);
      params.add(m.op().endsWith("~") ? MatcherRegex.anchored(m.value()) : m.value());
    }
    sql.append(" ORDER BY id");
    List<Series> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
      for (int i = 0; i < params.size(); i++) {
        ps.setString(i + 1, params.get(i));
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new Series(rs.getLong(1), rs.getString(2), JSON.readValue(rs.getString(3), LABELS)));
        }
      }
    } catch (IOException e) {
      throw new SQLException("unreadable labels", e);
    }
    return out;
  }
}
