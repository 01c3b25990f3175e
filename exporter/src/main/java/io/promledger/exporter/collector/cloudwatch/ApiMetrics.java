package io.promledger.exporter.collector.cloudwatch;

import io.promledger.exporter.collector.Families;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.metrics.CoreMetric;
import software.amazon.awssdk.metrics.MetricCollection;
import software.amazon.awssdk.metrics.MetricPublisher;

/**
 * What the exporter costs on the AWS side: API calls by operation and namespace, failed calls by
 * error code, throttled attempts (seen through the SDK's metric publisher, so that attempts the
 * SDK's retry absorbed are counted too), and the metric queries that GetMetricData bills.
 */
final class ApiMetrics implements MetricPublisher {
  private final Map<List<String>, AtomicLong> requests = new ConcurrentHashMap<>();
  private final Map<List<String>, AtomicLong> errors = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> throttles = new ConcurrentHashMap<>();
  private final AtomicLong queries = new AtomicLong();

  void request(String operation, String namespace) {
    requests.computeIfAbsent(List.of(operation, namespace), k -> new AtomicLong()).incrementAndGet();
  }

  void billedQueries(int n) {
    queries.addAndGet(n);
  }

  void error(String operation, String code) {
    errors.computeIfAbsent(List.of(operation, code), k -> new AtomicLong()).incrementAndGet();
  }

  /** The code a failed call is counted under: the AWS error code, or the kind of client failure. */
  static String codeOf(RuntimeException e) {
    if (e instanceof AwsServiceException s && s.awsErrorDetails() != null && s.awsErrorDetails().errorCode() != null) {
      return s.awsErrorDetails().errorCode();
    }
    if (e instanceof SdkClientException) {
      return "ClientError";
    }
    return e.getClass().getSimpleName();
  }

  @Override
  public void publish(MetricCollection call) {
    List<String> names = call.metricValues(CoreMetric.OPERATION_NAME);
    String operation = names.isEmpty() ? "unknown" : names.get(0);
    call.childrenWithName("ApiCallAttempt").forEach(attempt -> {
      if (attempt.metricValues(CoreMetric.ERROR_TYPE).contains("Throttling")) {
        throttles.computeIfAbsent(operation, k -> new AtomicLong()).incrementAndGet();
      }
    });
  }

  @Override
  public void close() {}

  void writeTo(Families f) {
    requests.forEach((k, v) -> f.counter("promledger_cloudwatch_api_requests", "AWS API calls made, by operation and namespace.",
        v.get(), "operation", k.get(0), "namespace", k.get(1)));
    errors.forEach((k, v) -> f.counter("promledger_cloudwatch_api_errors",
        "AWS API calls that failed after the SDK's retries, or returned incomplete data, by error code.",
        v.get(), "operation", k.get(0), "code", k.get(1)));
    throttles.forEach((k, v) -> f.counter("promledger_cloudwatch_api_throttles",
        "AWS API attempts refused as throttled; the SDK retried them with backoff.", v.get(), "operation", k));
    f.counter("promledger_cloudwatch_metric_queries",
        "Metric queries sent in GetMetricData requests, the unit AWS bills (every page of a paginated answer counts).",
        queries.get());
  }
}
