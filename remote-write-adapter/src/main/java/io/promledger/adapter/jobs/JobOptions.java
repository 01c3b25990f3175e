package io.promledger.adapter.jobs;

import io.promledger.adapter.config.PromDuration;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Options of the background jobs that run inside {@code serve} (rollups, retention). */
public final class JobOptions {
  @Option(names = "--rollup.interval", paramLabel = "DURATION", defaultValue = "1m", converter = PromDuration.Converter.class,
      description = "How often rollups and retention run (default: ${DEFAULT-VALUE}).")
  public Duration interval;
}
