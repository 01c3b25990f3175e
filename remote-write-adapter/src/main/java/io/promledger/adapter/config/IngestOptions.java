package io.promledger.adapter.config;

import io.promledger.adapter.ingest.IngestLimits;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The write endpoint: queueing, group commit and the limits on what is accepted. */
public final class IngestOptions {
  @Option(names = "--ingest.queue-samples", paramLabel = "N", defaultValue = "2000000",
      description = "Samples that may wait for a commit; beyond this requests get 503 and Prometheus retries (default: ${DEFAULT-VALUE}).")
  public long queueSamples;

  @Option(names = "--ingest.batch-samples", paramLabel = "N", defaultValue = "100000",
      description = "Most samples written by one group-commit transaction (default: ${DEFAULT-VALUE}).")
  public int batchSamples;

  @Option(names = "--ingest.writers", paramLabel = "N", defaultValue = "2",
      description = "Concurrent group-commit transactions (default: ${DEFAULT-VALUE}).")
  public int writers;

  @Option(names = "--ingest.commit-timeout", paramLabel = "DURATION", defaultValue = "25s", converter = PromDuration.Converter.class,
      description = "Answer 503 when a commit takes longer; keep it below Prometheus's remote_timeout (default: ${DEFAULT-VALUE}).")
  public Duration commitTimeout;

  @Option(names = "--ingest.memory-budget", paramLabel = "SIZE", defaultValue = "512MiB", converter = ByteSize.Converter.class,
      description = "Request bytes decoded at once, at most a quarter of the heap; requests beyond it wait, then get 503 (default: ${DEFAULT-VALUE}).")
  public long memoryBudget;

  @Option(names = "--series-cache.size", paramLabel = "N", defaultValue = "1000000",
      description = "Series ids kept in memory (default: ${DEFAULT-VALUE}).")
  public int seriesCacheSize;

  @Option(names = "--tenant.header", paramLabel = "NAME", defaultValue = "X-Scope-OrgID",
      description = "Request header that names the tenant (default: ${DEFAULT-VALUE}).")
  public String tenantHeader;

  @Option(names = "--tenant.default", paramLabel = "NAME", defaultValue = "default",
      description = "Tenant of requests without that header (default: ${DEFAULT-VALUE}).")
  public String defaultTenant;

  @Option(names = "--limits.max-labels", paramLabel = "N", defaultValue = "40",
      description = "Most labels per series, __name__ included (default: ${DEFAULT-VALUE}).")
  public int maxLabels;

  @Option(names = "--limits.max-label-name-length", paramLabel = "BYTES", defaultValue = "1024",
      description = "Longest label name in UTF-8 bytes (default: ${DEFAULT-VALUE}).")
  public int maxLabelNameLength;

  @Option(names = "--limits.max-label-value-length", paramLabel = "BYTES", defaultValue = "2048",
      description = "Longest label value in UTF-8 bytes (default: ${DEFAULT-VALUE}).")
  public int maxLabelValueLength;

  @Option(names = "--limits.max-body-size", paramLabel = "SIZE", defaultValue = "32MiB", converter = ByteSize.Converter.class,
      description = "Largest compressed request body; larger ones get 413 (default: ${DEFAULT-VALUE}).")
  public long maxBodySize;

  @Option(names = "--limits.max-decoded-size", paramLabel = "SIZE", defaultValue = "32MiB", converter = ByteSize.Converter.class,
      description = "Largest declared decoded size; larger ones get 400 before anything is allocated (default: ${DEFAULT-VALUE}).")
  public long maxDecodedSize;

  @Option(names = "--limits.future-tolerance", paramLabel = "DURATION", defaultValue = "10m", converter = PromDuration.Converter.class,
      description = "Samples further in the future get 400 (default: ${DEFAULT-VALUE}).")
  public Duration futureTolerance;

  @Option(names = "--exemplars.retention", paramLabel = "DURATION", defaultValue = "3d", converter = PromDuration.Converter.class,
      description = "Keep exemplars this long (default: ${DEFAULT-VALUE}).")
  public Duration exemplarRetention;

  /** The limits, with the oldest accepted sample at the raw retention. */
  public IngestLimits limits(Duration rawRetention) {
    if (maxLabels < 1 || maxLabelNameLength < 1 || maxLabelValueLength < 1) {
      throw new IllegalArgumentException("--limits.* values must be positive");
    }
    if (maxBodySize > Integer.MAX_VALUE - 16 || maxDecodedSize > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException("--limits.max-body-size and --limits.max-decoded-size must be below 2GiB");
    }
    return new IngestLimits(maxLabels, maxLabelNameLength, maxLabelValueLength, maxBodySize, maxDecodedSize, futureTolerance, rawRetention);
  }
}
