package io.promledger.adapter.ingest;

import java.time.Duration;

/** What the adapter accepts; everything beyond is refused with 400 and counted by reason. */
public record IngestLimits(
    int maxLabels,
    int maxLabelNameBytes,
    int maxLabelValueBytes,
    long maxBodyBytes,
    long maxDecodedBytes,
    Duration futureTolerance,
    Duration maxAge) {

  /** The defaults of Prometheus and Mimir: 32 MiB bodies, 30 labels... adjusted to billing data. */
  public static IngestLimits defaults() {
    return new IngestLimits(40, 1024, 2048, 32L << 20, 32L << 20, Duration.ofMinutes(10), Duration.ofDays(7));
  }
}
