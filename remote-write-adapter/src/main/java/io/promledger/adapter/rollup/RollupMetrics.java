package io.promledger.adapter.rollup;

import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.time.Instant;

/** How far behind each rollup level is. */
public final class RollupMetrics {
  private final Gauge lag;

  public RollupMetrics(PrometheusRegistry registry) {
    lag =
        Gauge.builder()
            .name("promledger_rollup_lag_seconds")
            .help("Seconds between now and the end of the newest complete bucket of each rollup level.")
            .labelNames("resolution")
            .register(registry);
  }

  void progress(Resolution level, Instant doneUntil, Instant now) {
    double seconds =
        doneUntil.equals(Instant.MIN) ? Double.NaN : Duration.between(doneUntil, now).toMillis() / 1000.0;
    lag.labelValues(level.label()).set(seconds);
  }
}
