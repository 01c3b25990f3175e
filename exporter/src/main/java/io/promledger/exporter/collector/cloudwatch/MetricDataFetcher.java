package io.promledger.exporter.collector.cloudwatch;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.GetMetricDataRequest;
import software.amazon.awssdk.services.cloudwatch.model.GetMetricDataResponse;
import software.amazon.awssdk.services.cloudwatch.model.Metric;
import software.amazon.awssdk.services.cloudwatch.model.MetricDataQuery;
import software.amazon.awssdk.services.cloudwatch.model.MetricDataResult;
import software.amazon.awssdk.services.cloudwatch.model.MetricStat;
import software.amazon.awssdk.services.cloudwatch.model.ScanBy;
import software.amazon.awssdk.services.cloudwatch.model.StatusCode;

/**
 * GetMetricData for a list of queries that share period, range and delay: batches of at most 500
 * queries, every page followed through NextToken, the pages merged by query id, and the newest
 * datapoint of each query kept. A query with no datapoint has no result, never a zero.
 */
final class MetricDataFetcher {
  static final int MAX_QUERIES_PER_REQUEST = 500;
  /** A bound on pages per batch, so that a misbehaving endpoint cannot loop us forever. */
  static final int MAX_PAGES = 1000;

  private static final Logger log = LoggerFactory.getLogger(MetricDataFetcher.class);

  /** One statistic of one metric with one set of dimension values. */
  record Query(String namespace, String metricName, Map<String, String> dimensions, String statistic) {}

  /** The newest datapoint of a query; {@code complete} is false when CloudWatch said PartialData. */
  record Datapoint(Instant timestamp, double value, boolean complete) {}

  private final CloudWatchClient cloudWatch;
  private final ApiMetrics metrics;

  MetricDataFetcher(CloudWatchClient cloudWatch, ApiMetrics metrics) {
    this.cloudWatch = cloudWatch;
    this.metrics = metrics;
  }

  /**
   * The window ends {@code delay} before now, aligned down to the period so that CloudWatch sees
   * stable windows, and starts {@code range} earlier.
   */
  static Instant[] window(Instant now, int periodSeconds, int rangeSeconds, int delaySeconds) {
    long end = Math.floorDiv(now.getEpochSecond() - delaySeconds, periodSeconds) * periodSeconds;
    return new Instant[] {Instant.ofEpochSecond(end - rangeSeconds), Instant.ofEpochSecond(end)};
  }

  /** Results by position in {@code queries}; a query without data is absent. */
  Map<Integer, Datapoint> fetch(List<Query> queries, int periodSeconds, Instant start, Instant end) {
    Map<Integer, Datapoint> out = new HashMap<>();
    for (int from = 0; from < queries.size(); from += MAX_QUERIES_PER_REQUEST) {
      List<Query> batch = queries.subList(from, Math.min(queries.size(), from + MAX_QUERIES_PER_REQUEST));
      fetchBatch(batch, from, periodSeconds, start, end, out);
    }
    return out;
  }

  private void fetchBatch(List<Query> batch, int offset, int period, Instant start, Instant end, Map<Integer, Datapoint> out) {
    List<MetricDataQuery> mdq = new ArrayList<>(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      Query q = batch.get(i);
      List<Dimension> dims = new ArrayList<>();
      q.dimensions().forEach((k, v) -> dims.add(Dimension.builder().name(k).value(v).build()));
      mdq.add(MetricDataQuery.builder()
          .id("q" + (offset + i))
          .returnData(true)
          .metricStat(MetricStat.builder()
              .metric(Metric.builder().namespace(q.namespace()).metricName(q.metricName()).dimensions(dims).build())
              .period(period)
              .stat(q.statistic())
              .build())
          .build());
    }
    String namespace = batch.get(0).namespace();
    Map<String, Instant> newestAt = new HashMap<>();
    Map<String, Double> newest = new HashMap<>();
    Map<String, Boolean> complete = new HashMap<>();
    String token = null;
    int pages = 0;
    do {
      GetMetricDataRequest req = GetMetricDataRequest.builder()
          .metricDataQueries(mdq).startTime(start).endTime(end).scanBy(ScanBy.TIMESTAMP_DESCENDING)
          .nextToken(token).build();
      metrics.request("GetMetricData", namespace);
      GetMetricDataResponse page;
      try {
        page = cloudWatch.getMetricData(req);
      } catch (RuntimeException e) {
        metrics.error("GetMetricData", ApiMetrics.codeOf(e));
        throw e;
      }
      metrics.billedQueries(mdq.size());
      for (MetricDataResult r : page.metricDataResults()) {
        merge(r, newestAt, newest);
        // The status of the last page that mentions a query is its final one.
        complete.put(r.id(), r.statusCode() != StatusCode.PARTIAL_DATA);
      }
      token = page.nextToken();
      pages++;
    } while (token != null && !token.isEmpty() && pages < MAX_PAGES);
    if (token != null && !token.isEmpty()) {
      metrics.error("GetMetricData", "TooManyPages");
      log.warn("msg=\"GetMetricData still had pages after the limit; results are incomplete\" pages={}", pages);
    }
    for (Map.Entry<String, Instant> e : newestAt.entrySet()) {
      int index = Integer.parseInt(e.getKey().substring(1));
      boolean done = complete.getOrDefault(e.getKey(), true);
      if (!done) {
        metrics.error("GetMetricData", "PartialData");
      }
      out.put(index, new Datapoint(e.getValue(), newest.get(e.getKey()), done));
    }
  }

  private static void merge(MetricDataResult r, Map<String, Instant> newestAt, Map<String, Double> newest) {
    List<Instant> ts = r.timestamps();
    List<Double> values = r.values();
    for (int i = 0; i < Math.min(ts.size(), values.size()); i++) {
      Instant t = ts.get(i);
      Double v = values.get(i);
      if (t == null || v == null) {
        continue;
      }
      Instant seen = newestAt.get(r.id());
      if (seen == null || t.isAfter(seen)) {
        newestAt.put(r.id(), t);
        newest.put(r.id(), v);
      }
    }
  }
}
