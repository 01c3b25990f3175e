package io.promledger.http.instrumentation;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;

/** The metric objects behind {@link HttpInstrumentation}. */
final class HttpServerMetrics {
  /** The buckets of most HTTP server instrumentation, 5 ms to 10 s. */
  static final double[] DURATION_BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  final Histogram duration;
  final Counter requests;
  final Counter errors;
  final Gauge inFlight;
  final Gauge activeSessions;

  private HttpServerMetrics(
      Histogram duration, Counter requests, Counter errors, Gauge inFlight, Gauge activeSessions) {
    this.duration = duration;
    this.requests = requests;
    this.errors = errors;
    this.inFlight = inFlight;
    this.activeSessions = activeSessions;
  }

  static HttpServerMetrics register(PrometheusRegistry registry) {
    String[] labels = {"method", "route", "status"};
    return new HttpServerMetrics(
        Histogram.builder()
            .name("http_server_request_duration_seconds")
            .help("Time from the start of an HTTP request until its response was complete.")
            .unit(Unit.SECONDS)
            .labelNames(labels)
            .classicOnly()
            .classicUpperBounds(DURATION_BUCKETS)
            .register(registry),
        Counter.builder()
            .name("http_server_requests")
            .help("HTTP requests served.")
            .labelNames(labels)
            .register(registry),
        Counter.builder()
            .name("http_server_request_errors")
            .help("HTTP requests answered with a 5xx status.")
            .labelNames(labels)
            .register(registry),
        Gauge.builder()
            .name("http_server_requests_in_flight")
            .help("HTTP requests being served now.")
            .register(registry),
        Gauge.builder()
            .name("http_server_active_sessions")
            .help("HTTP sessions currently open.")
            .register(registry));
  }

  void record(String method, String route, int status, double seconds) {
    String code = Integer.toString(status);
    duration.labelValues(method, route, code).observe(seconds);
    requests.labelValues(method, route, code).inc();
    if (status >= 500 && status <= 599) {
      errors.labelValues(method, route, code).inc();
    }
  }
}
