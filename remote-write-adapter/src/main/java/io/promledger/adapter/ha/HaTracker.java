package io.promledger.adapter.ha;

import java.sql.SQLException;

/**
 * Decides which replica of an HA Prometheus pair is stored. Series that carry both the cluster
 * and the replica label are stored only while their replica holds the cluster's lease; the
 * replica label is removed from the series identity by the caller.
 */
public final class HaTracker {
  private final boolean enabled;
  private final String clusterLabel;
  private final String replicaLabel;

  private HaTracker(boolean enabled, String clusterLabel, String replicaLabel) {
    this.enabled = enabled;
    this.clusterLabel = clusterLabel;
    this.replicaLabel = replicaLabel;
  }

  public static HaTracker disabled() {
    return new HaTracker(false, "cluster", "__replica__");
  }

  public boolean enabled() {
    return enabled;
  }

  public String clusterLabel() {
    return clusterLabel;
  }

  public String replicaLabel() {
    return replicaLabel;
  }

  /** True when samples of {@code replica} for {@code (tenant, cluster)} are to be stored now. */
  public boolean accept(String tenant, String cluster, String replica) throws SQLException {
    return true;
  }
}
