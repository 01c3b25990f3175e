package io.promledger.adapter.jobs;

import io.promledger.adapter.config.PromDuration;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Options of the background jobs that run inside {@code serve} (rollups, retention) and of reports. */
public final class JobOptions {
  @Option(
      names = "--rollup.interval",
      paramLabel = "DURATION",
      defaultValue = "1m",
      converter = PromDuration.Converter.class,
      description = "How often rollups and retention run (default: ${DEFAULT-VALUE}).")
  public Duration interval = Duration.ofMinutes(1);

  @Option(
      names = "--rollup.delay",
      paramLabel = "DURATION",
      defaultValue = "1m",
      converter = PromDuration.Converter.class,
      description = "Roll a 5-minute bucket up this long after it ends, so that most samples are in (default: ${DEFAULT-VALUE}).")
  public Duration delay = Duration.ofMinutes(1);

  @Option(
      names = "--rollup.late-data-horizon",
      paramLabel = "DURATION",
      defaultValue = "2d",
      converter = PromDuration.Converter.class,
      description =
          "Samples may still arrive this long after their timestamp; reports on periods that ended less"
              + " than this long ago are provisional (default: ${DEFAULT-VALUE}).")
  public Duration lateDataHorizon = Duration.ofDays(2);

  @Option(
      names = "--rollup.gauge-max-gap",
      paramLabel = "DURATION",
      defaultValue = "5m",
      converter = PromDuration.Converter.class,
      description =
          "Gauge integrals carry a value forward until the next sample or the series end, but at most"
              + " this long (default: ${DEFAULT-VALUE}). Changing it applies to buckets rolled up from then on;"
              + " run 'rollup --from --to' to recompute older ones.")
  public Duration gaugeMaxGap = Duration.ofMinutes(5);

  @Option(
      names = "--report.pricing-file",
      paramLabel = "FILE",
      description = "YAML file with unit prices per meter; reports then include costs.")
  public Path pricingFile;

  @Option(
      names = "--report.counter-metric",
      paramLabel = "NAME",
      split = ",",
      description = "Treat these metrics as counters whatever their metadata or name says (repeatable).")
  public List<String> counterMetrics = new ArrayList<>();

  @Option(
      names = "--report.gauge-metric",
      paramLabel = "NAME",
      split = ",",
      description = "Treat these metrics as gauges whatever their metadata or name says (repeatable).")
  public List<String> gaugeMetrics = new ArrayList<>();
}
