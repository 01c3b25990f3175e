package io.promledger.exporter.collector.cloudwatch;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One entry of {@code metrics:} in a cloudwatch_exporter configuration, with the global defaults
 * applied.
 *
 * @param dimensionSelect dimension → allowed values ({@code aws_dimension_select})
 * @param dimensionSelectRegex dimension → patterns, full match ({@code aws_dimension_select_regex})
 * @param tagSelect EC2 instances chosen by tags, or {@code null}
 */
record MetricRule(
    String namespace,
    String metricName,
    List<String> dimensions,
    Map<String, List<String>> dimensionSelect,
    Map<String, List<Pattern>> dimensionSelectRegex,
    TagSelect tagSelect,
    List<String> statistics,
    int periodSeconds,
    int rangeSeconds,
    int delaySeconds,
    boolean setTimestamp,
    int listMetricsCacheTtlSeconds,
    boolean warnOnEmptyListDimensions,
    String help) {

  /** {@code aws_tag_select}, which this exporter serves for {@code AWS/EC2} through EC2 tags. */
  record TagSelect(Map<String, List<String>> tagSelections, String resourceIdDimension) {}

  /** Whether ListMetrics can be skipped: every dimension has a fixed list of values. */
  boolean dimensionsFullySelected() {
    return tagSelect == null && !dimensions.isEmpty() && dimensionSelect.keySet().containsAll(dimensions);
  }
}
