package io.promledger.exporter.collector.cloudwatch;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.DimensionFilter;
import software.amazon.awssdk.services.cloudwatch.model.ListMetricsRequest;
import software.amazon.awssdk.services.cloudwatch.model.ListMetricsResponse;
import software.amazon.awssdk.services.cloudwatch.model.Metric;
import software.amazon.awssdk.services.cloudwatch.model.RecentlyActive;

/**
 * The dimension value sets to query for a rule, as cloudwatch_exporter chooses them: the cross
 * product of {@code aws_dimension_select} when it names every dimension, else what ListMetrics
 * returns with exactly the rule's dimensions, filtered by the selections and, for EC2, by tags.
 * ListMetrics and tag answers are cached for {@code list_metrics_cache_ttl} seconds.
 */
final class DimensionDiscovery {
  private static final Logger log = LoggerFactory.getLogger(DimensionDiscovery.class);

  /** One rule's discovered sets, and the EC2 instances its tag selection matched. */
  record Discovered(List<Map<String, String>> dimensionSets, Map<String, Ec2Instances.Tagged> instances) {}

  private record Cached(long expiresAtMillis, Discovered value) {}

  private final CloudWatchClient cloudWatch;
  private final Ec2Instances ec2;
  private final ApiMetrics metrics;
  private final Clock clock;
  private final Map<MetricRule, Cached> cache = new ConcurrentHashMap<>();

  DimensionDiscovery(CloudWatchClient cloudWatch, Ec2Instances ec2, ApiMetrics metrics, Clock clock) {
    this.cloudWatch = cloudWatch;
    this.ec2 = ec2;
    this.metrics = metrics;
    this.clock = clock;
  }

  Discovered discover(MetricRule rule) {
    if (rule.dimensions().isEmpty()) {
      return new Discovered(List.of(Map.of()), Map.of());
    }
    if (rule.dimensionsFullySelected()) {
      return new Discovered(crossProduct(rule), Map.of());
    }
    long now = clock.millis();
    Cached c = cache.get(rule);
    if (c != null && now < c.expiresAtMillis) {
      return c.value;
    }
    Discovered d = listMetrics(rule);
    if (rule.listMetricsCacheTtlSeconds() > 0) {
      cache.put(rule, new Cached(now + rule.listMetricsCacheTtlSeconds() * 1000L, d));
    }
    return d;
  }

  private Discovered listMetrics(MetricRule rule) {
    Map<String, Ec2Instances.Tagged> instances = rule.tagSelect() == null ? Map.of()
        : ec2.matching(rule.tagSelect().tagSelections());
    Set<String> wanted = new HashSet<>(rule.dimensions());
    List<DimensionFilter> filters = new ArrayList<>();
    rule.dimensions().forEach(d -> filters.add(DimensionFilter.builder().name(d).build()));
    List<Map<String, String>> sets = new ArrayList<>();
    Set<Set<String>> seenShapes = new HashSet<>();
    String token = null;
    do {
      ListMetricsRequest.Builder req = ListMetricsRequest.builder()
          .namespace(rule.namespace()).metricName(rule.metricName()).dimensions(filters).nextToken(token);
      if (rule.rangeSeconds() < 10800) {
        req.recentlyActive(RecentlyActive.PT3_H);
      }
      metrics.request("ListMetrics", rule.namespace());
      ListMetricsResponse page;
      try {
        page = cloudWatch.listMetrics(req.build());
      } catch (RuntimeException e) {
        metrics.error("ListMetrics", ApiMetrics.codeOf(e));
        throw e;
      }
      for (Metric m : page.metrics()) {
        Map<String, String> values = new LinkedHashMap<>();
        for (Dimension d : m.dimensions()) {
          values.put(d.name(), d.value());
        }
        seenShapes.add(values.keySet());
        if (values.keySet().equals(wanted) && selected(rule, values, instances)) {
          Map<String, String> ordered = new LinkedHashMap<>();
          rule.dimensions().forEach(d -> ordered.put(d, values.get(d)));
          if (!sets.contains(ordered)) {
            sets.add(ordered);
          }
        }
      }
      token = page.nextToken();
    } while (token != null && !token.isEmpty());
    if (sets.isEmpty() && rule.warnOnEmptyListDimensions()) {
      log.warn("msg=\"no metric matched the rule's dimensions\" namespace={} metric={} dimensions={} listed_dimension_sets={}",
          rule.namespace(), rule.metricName(), rule.dimensions(), seenShapes);
    }
    return new Discovered(List.copyOf(sets), instances);
  }

  private static boolean selected(MetricRule rule, Map<String, String> values, Map<String, Ec2Instances.Tagged> instances) {
    for (var e : rule.dimensionSelect().entrySet()) {
      if (!e.getValue().contains(values.get(e.getKey()))) {
        return false;
      }
    }
    for (var e : rule.dimensionSelectRegex().entrySet()) {
      String v = values.get(e.getKey());
      if (v == null || e.getValue().stream().noneMatch((Pattern p) -> p.matcher(v).matches())) {
        return false;
      }
    }
    return rule.tagSelect() == null || instances.containsKey(values.get(rule.tagSelect().resourceIdDimension()));
  }

  private static List<Map<String, String>> crossProduct(MetricRule rule) {
    List<Map<String, String>> out = new ArrayList<>();
    out.add(new LinkedHashMap<>());
    for (String dim : rule.dimensions()) {
      List<Map<String, String>> next = new ArrayList<>();
      for (Map<String, String> partial : out) {
        for (String v : rule.dimensionSelect().get(dim)) {
          Map<String, String> m = new LinkedHashMap<>(partial);
          m.put(dim, v);
          next.add(m);
        }
      }
      out = next;
    }
    return out;
  }
}
