package io.promledger.adapter.ha;

import io.promledger.adapter.config.PromDuration;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Options of the HA-pair deduplication (Cortex/Mimir convention). */
public final class HaOptions {
  @Option(
      names = "--ha.enabled",
      defaultValue = "true",
      arity = "1",
      paramLabel = "BOOL",
      description =
          "Store only one replica of each HA Prometheus pair: series carrying both the cluster and the replica"
              + " label (default: ${DEFAULT-VALUE}).")
  public boolean enabled = true;

  @Option(
      names = "--ha.cluster-label",
      paramLabel = "NAME",
      defaultValue = "cluster",
      description = "Label naming the HA cluster of a series (default: ${DEFAULT-VALUE}).")
  public String clusterLabel = "cluster";

  @Option(
      names = "--ha.replica-label",
      paramLabel = "NAME",
      defaultValue = "__replica__",
      description = "Label naming the replica that sent a series; removed from the stored series (default: ${DEFAULT-VALUE}).")
  public String replicaLabel = "__replica__";

  @Option(
      names = "--ha.failover-timeout",
      paramLabel = "DURATION",
      defaultValue = "30s",
      converter = PromDuration.Converter.class,
      description = "Another replica takes over when the elected one has sent nothing for this long (default: ${DEFAULT-VALUE}).")
  public Duration failoverTimeout = Duration.ofSeconds(30);
}
