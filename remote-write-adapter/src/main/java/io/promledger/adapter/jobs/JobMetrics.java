package io.promledger.adapter.jobs;

import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** Duration and last success of each background job ({@code job="rollup|retention"}). */
final class JobMetrics {
  private final Gauge lastSuccess;
  private final Histogram duration;

  JobMetrics(PrometheusRegistry registry) {
    lastSuccess =
        Gauge.builder()
            .name("promledger_rollup_last_success_timestamp_seconds")
            .help("Unix time of the last successful run of each background job.")
            .labelNames("job")
            .register(registry);
    duration =
        Histogram.builder()
            .name("promledger_rollup_duration_seconds")
            .help("Duration of the runs of each background job, successful or not.")
            .labelNames("job")
            .classicUpperBounds(0.1, 0.5, 1, 5, 15, 60, 300, 1800)
            .register(registry);
  }

  void observe(String job, long startedNanos, boolean success) {
    duration.labelValues(job).observe((System.nanoTime() - startedNanos) / 1e9);
    if (success) {
      lastSuccess.labelValues(job).set(System.currentTimeMillis() / 1000.0);
    }
  }
}
