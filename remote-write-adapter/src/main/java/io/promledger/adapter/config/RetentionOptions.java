package io.promledger.adapter.config;

import java.time.Duration;
import picocli.CommandLine.Option;

/** How long each level of data is kept. Raw retention also bounds how old an accepted sample may be. */
public final class RetentionOptions {
  @Option(
      names = "--retention.raw",
      paramLabel = "DURATION",
      defaultValue = "7d",
      converter = PromDuration.Converter.class,
      description = "Keep raw samples this long; older samples are refused with 400 (default: ${DEFAULT-VALUE}).")
  public Duration raw;

  @Option(
      names = "--retention.5m",
      paramLabel = "DURATION",
      defaultValue = "30d",
      converter = PromDuration.Converter.class,
      description = "Keep 5-minute rollups this long (default: ${DEFAULT-VALUE}).")
  public Duration fiveMinutes;

  @Option(
      names = "--retention.1h",
      paramLabel = "DURATION",
      defaultValue = "90d",
      converter = PromDuration.Converter.class,
      description = "Keep hourly rollups this long (default: ${DEFAULT-VALUE}).")
  public Duration hourly;

  @Option(
      names = "--retention.1d",
      paramLabel = "DURATION",
      defaultValue = "1y",
      converter = PromDuration.Converter.class,
      description = "Keep daily rollups this long (default: ${DEFAULT-VALUE}).")
  public Duration daily;
}
