package io.promledger.adapter.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;

/** The adapter's own metrics, named as Prometheus names its remote-write and TSDB metrics. */
public final class AdapterMetrics {
  public final Counter requests;
  public final Counter samplesReceived;
  public final Counter samplesWritten;
  public final Counter exemplarsReceived;
  public final Counter exemplarsWritten;
  public final Counter histogramsReceived;
  public final Counter metadataReceived;
  public final Counter metadataWritten;
  public final Counter rejectedSamples;
  public final Counter rejectedSeries;
  public final Counter rejectedRequests;
  public final Counter rejectedExemplars;
  public final Counter ignored;
  public final Counter duplicateSamples;
  public final Counter haDeduplicated;
  public final Gauge queueSamples;
  public final Gauge queueCapacity;
  public final Histogram commitDuration;
  public final Histogram commitBatchSamples;
  public final Counter seriesCacheHits;
  public final Counter seriesCacheMisses;
  public final Counter seriesCreated;
  public final Gauge newestSample;
  public final Counter databaseErrors;
  public final Gauge databaseUp;
  public final Gauge partitionsAhead;

  public AdapterMetrics(PrometheusRegistry registry) {
    requests =
        Counter.builder()
            .name("promledger_remote_write_requests_total")
            .help("Remote-write requests by protocol version and HTTP status code.")
            .labelNames("protocol", "code")
            .register(registry);
    samplesReceived = counter(registry, "promledger_remote_write_samples_received_total", "Float samples received (including staleness markers).", "protocol");
    samplesWritten = counter(registry, "promledger_remote_write_samples_written_total", "Float samples committed to PostgreSQL, or already stored (exact duplicates), and staleness markers recorded.", "protocol");
    exemplarsReceived = counter(registry, "promledger_remote_write_exemplars_received_total", "Exemplars received.", "protocol");
    exemplarsWritten = counter(registry, "promledger_remote_write_exemplars_written_total", "Exemplars committed to PostgreSQL.", "protocol");
    histogramsReceived = counter(registry, "promledger_remote_write_histograms_received_total", "Native histogram samples received (refused with 400: not stored).", "protocol");
    metadataReceived = counter(registry, "promledger_remote_write_metadata_received_total", "Metric metadata entries received.", "protocol");
    metadataWritten = counter(registry, "promledger_remote_write_metadata_written_total", "Metric metadata entries upserted in PostgreSQL.", "protocol");
    rejectedSamples = counter(registry, "promledger_remote_write_rejected_samples_total", "Samples refused with 400, by reason.", "reason");
    rejectedSeries = counter(registry, "promledger_remote_write_rejected_series_total", "Series refused with 400, by reason.", "reason");
    rejectedRequests = counter(registry, "promledger_remote_write_rejected_requests_total", "Whole requests refused with 400 (corrupt body, bad protobuf, decoded size over the limit), by reason.", "reason");
    rejectedExemplars = counter(registry, "promledger_remote_write_rejected_exemplars_total", "Exemplars refused with 400 (their series were stored), by reason.", "reason");
    ignored = counter(registry, "promledger_remote_write_ignored_total", "Malformed advisory parts left out of requests that were otherwise stored: start timestamps, metadata.", "reason");
    duplicateSamples = counter(registry, "promledger_remote_write_duplicate_samples_total", "Samples whose series and timestamp were already stored: exact (same value, a no-op) or conflicting (another value; the first one is kept).", "kind");
    haDeduplicated = counter(registry, "promledger_ha_deduplicated_samples_total", "Samples of a non-elected HA replica, dropped and answered as success.", "tenant", "cluster");
    queueSamples = Gauge.builder().name("promledger_ingest_queue_samples").help("Samples waiting for a group commit.").register(registry);
    queueCapacity = Gauge.builder().name("promledger_ingest_queue_capacity_samples").help("Samples the ingest queue holds before requests are answered 503.").register(registry);
    commitDuration =
        Histogram.builder()
            .name("promledger_ingest_commit_duration_seconds")
            .help("Duration of one group-commit transaction.")
            .unit(Unit.SECONDS)
            .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
            .register(registry);
    commitBatchSamples =
        Histogram.builder()
            .name("promledger_ingest_commit_batch_samples")
            .help("Samples written by one group-commit transaction.")
            .classicUpperBounds(100, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000, 200_000)
            .register(registry);
    seriesCacheHits = counter(registry, "promledger_series_cache_hits_total", "Series ids found in the in-memory cache.");
    seriesCacheMisses = counter(registry, "promledger_series_cache_misses_total", "Series ids looked up in PostgreSQL.");
    seriesCreated = counter(registry, "promledger_series_created_total", "Series created in PostgreSQL by this process.");
    newestSample =
        Gauge.builder()
            .name("promledger_newest_sample_timestamp_seconds")
            .help("Timestamp of the newest sample committed, per tenant.")
            .unit(Unit.SECONDS)
            .labelNames("tenant")
            .register(registry);
    databaseErrors = counter(registry, "promledger_database_errors_total", "Database errors: transient ones (answered 503) and data errors (isolated to their series, answered 400).", "kind");
    databaseUp = Gauge.builder().name("promledger_database_up").help("1 when PostgreSQL answered the last health check.").register(registry);
    partitionsAhead = Gauge.builder().name("promledger_partitions_ahead_days").help("Days after today (UTC) for which sample partitions exist.").register(registry);
  }

  private static Counter counter(PrometheusRegistry registry, String name, String help, String... labels) {
    return Counter.builder().name(name).help(help).labelNames(labels).register(registry);
  }
}
