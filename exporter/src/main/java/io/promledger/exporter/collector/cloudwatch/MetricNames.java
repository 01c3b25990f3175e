package io.promledger.exporter.collector.cloudwatch;

import java.util.Locale;

/** cloudwatch_exporter's naming, so that dashboards built on it keep working. */
final class MetricNames {
  private MetricNames() {}

  /** {@code AWS/EC2}, {@code CPUUtilization}, {@code Average} → {@code aws_ec2_cpuutilization_average}. */
  static String of(String namespace, String metricName, String statistic) {
    return safe(namespace.toLowerCase(Locale.ROOT) + "_" + snake(metricName)) + "_" + statisticSuffix(statistic);
  }

  static String statisticSuffix(String statistic) {
    return switch (statistic) {
      case "Sum" -> "sum";
      case "SampleCount" -> "sample_count";
      case "Minimum" -> "minimum";
      case "Maximum" -> "maximum";
      case "Average" -> "average";
      default -> safe(snake(statistic));
    };
  }

  /** An underscore goes only between a lower-case letter or digit and an upper-case letter. */
  static String snake(String s) {
    return s.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
  }

  /** Anything but letters, digits and underscores becomes an underscore. */
  static String safe(String s) {
    String out = s.replaceAll("[^a-zA-Z0-9_]", "_");
    return Character.isDigit(out.charAt(0)) ? "_" + out : out;
  }

  /** The label of a dimension: {@code DBInstanceIdentifier} → {@code dbinstance_identifier}. */
  static String label(String dimension) {
    return safe(snake(dimension));
  }
}
