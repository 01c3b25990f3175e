package io.promledger.adapter.report;

import io.promledger.adapter.jobs.JobOptions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Set;

/**
 * Whether a metric is a counter: configuration first, then remote-write metadata of its family,
 * then the naming conventions ({@code _total}, {@code _count}, {@code _sum}, {@code _bucket}).
 */
final class MetricTypes {
  private static final String[] COUNTER_SUFFIXES = {"_total", "_count", "_sum", "_bucket"};
  /** Base units of the Prometheus naming conventions, used when metadata gives no unit. */
  private static final Set<String> UNITS =
      Set.of("seconds", "bytes", "kilobytes", "megabytes", "gigabytes", "bits", "joules", "watts", "meters",
          "grams", "volts", "amperes", "celsius", "ratio", "percent", "hours", "cores");

  private final Set<String> counters;
  private final Set<String> gauges;

  MetricTypes(JobOptions options) {
    this.counters = Set.copyOf(options.counterMetrics);
    this.gauges = Set.copyOf(options.gaugeMetrics);
  }

  /** The type and unit of {@code metric}; {@code source} says where the type came from. */
  record Type(boolean counter, String unit, String source) {}

  Type of(Connection c, String tenant, String metric) throws SQLException {
    String unit = "";
    String metaType = null;
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT type, unit FROM metric_metadata WHERE tenant = ? AND metric_family = ANY(?)")) {
      ps.setString(1, tenant);
      ps.setArray(2, c.createArrayOf("text", families(metric)));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          metaType = rs.getString(1);
          unit = rs.getString(2);
        }
      }
    }
    if (unit.isEmpty()) {
      unit = unitFromName(metric);
    }
    if (counters.contains(metric)) {
      return new Type(true, unit, "configuration");
    }
    if (gauges.contains(metric)) {
      return new Type(false, unit, "configuration");
    }
    if (metaType != null && !metaType.equals("unknown")) {
      boolean counter =
          metaType.equals("counter")
              || ((metaType.equals("histogram") || metaType.equals("summary"))
                  && (metric.endsWith("_count") || metric.endsWith("_sum") || metric.endsWith("_bucket")));
      return new Type(counter, unit, "metadata");
    }
    for (String suffix : COUNTER_SUFFIXES) {
      if (metric.endsWith(suffix)) {
        return new Type(true, unit, "name");
      }
    }
    return new Type(false, unit, "name");
  }

  private static String unitFromName(String metric) {
    String base = metric.endsWith("_total") ? metric.substring(0, metric.length() - 6) : metric;
    int i = base.lastIndexOf('_');
    String last = i < 0 ? "" : base.substring(i + 1);
    return UNITS.contains(last) ? last : "";
  }

  /** Family names the metric may belong to: itself, and itself without a conventional suffix. */
  private static String[] families(String metric) {
    for (String suffix : COUNTER_SUFFIXES) {
      if (metric.endsWith(suffix)) {
        return new String[] {metric, metric.substring(0, metric.length() - suffix.length())};
      }
    }
    return new String[] {metric};
  }
}
