package io.promledger.adapter.retention;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** What retention removed. */
public final class RetentionMetrics {
  final Counter removedRows;
  final Counter droppedPartitions;

  public RetentionMetrics(PrometheusRegistry registry) {
    removedRows =
        Counter.builder()
            .name("promledger_retention_removed_rows_total")
            .help("Rows removed by retention, per level (raw, 5m, 1h, 1d).")
            .labelNames("level")
            .register(registry);
    droppedPartitions =
        Counter.builder()
            .name("promledger_retention_dropped_partitions_total")
            .help("Daily raw sample partitions dropped by retention.")
            .register(registry);
  }
}
