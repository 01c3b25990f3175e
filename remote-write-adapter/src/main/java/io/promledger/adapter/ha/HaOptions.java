package io.promledger.adapter.ha;

import io.promledger.adapter.config.PromDuration;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Options of the HA-pair deduplication (Cortex/Mimir convention). */
public final class HaOptions {
  @Option(names = "--ha.cluster-label", paramLabel = "NAME", defaultValue = "cluster",
      description = "Label naming the HA pair a series comes from (default: ${DEFAULT-VALUE}).")
  public String clusterLabel;

  @Option(names = "--ha.replica-label", paramLabel = "NAME", defaultValue = "__replica__",
      description = "Label naming the replica within the pair; removed from stored series (default: ${DEFAULT-VALUE}).")
  public String replicaLabel;

  @Option(names = "--ha.failover-timeout", paramLabel = "DURATION", defaultValue = "30s", converter = PromDuration.Converter.class,
      description = "Silence of the elected replica after which the other one takes over (default: ${DEFAULT-VALUE}).")
  public Duration failoverTimeout;
}
