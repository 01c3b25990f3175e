package io.promledger.adapter.ha;

import io.promledger.adapter.rollup.SqlTime;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * Decides which replica of an HA Prometheus pair is stored. Series that carry both the cluster
 * and the replica label are stored only while their replica holds the cluster's lease; the
 * replica label is removed from the series identity by the caller.
 *
 * <p>The lease is one row per (tenant, cluster) in {@code ha_leases}, shared by every adapter
 * replica. The elected replica renews it by writing; another replica takes it over with a
 * conditional upsert once the lease has not been renewed for the failover timeout. Decisions are
 * cached for {@link #RECHECK}, so the database sees about one statement per second per (tenant,
 * cluster, replica) however many series and samples arrive.
 */
public final class HaTracker {
  static final Duration RECHECK = Duration.ofSeconds(1);
  private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
  private static final String ELECT =
      """
      INSERT INTO ha_leases (tenant, cluster, replica, leader_since, last_seen) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (tenant, cluster) DO UPDATE SET
          replica = EXCLUDED.replica,
          last_seen = greatest(ha_leases.last_seen, EXCLUDED.last_seen),
          leader_since = CASE WHEN ha_leases.replica = EXCLUDED.replica THEN ha_leases.leader_since
                              ELSE EXCLUDED.leader_since END
      WHERE ha_leases.replica = EXCLUDED.replica OR ha_leases.last_seen < ?
      RETURNING replica
      """;

  private final boolean enabled;
  private final String clusterLabel;
  private final String replicaLabel;
  private final DataSource dataSource;
  private final Duration failoverTimeout;
  private final Clock clock;
  private final ConcurrentHashMap<Key, Decision> decisions = new ConcurrentHashMap<>();

  private record Key(String tenant, String cluster, String replica) {}

  private record Decision(boolean accept, Instant decidedAt) {}

  private HaTracker(
      boolean enabled, String clusterLabel, String replicaLabel, DataSource dataSource, Duration failoverTimeout, Clock clock) {
    this.enabled = enabled;
    this.clusterLabel = clusterLabel;
    this.replicaLabel = replicaLabel;
    this.dataSource = dataSource;
    this.failoverTimeout = failoverTimeout;
    this.clock = clock;
  }

  public static HaTracker disabled() {
    return new HaTracker(false, "cluster", "__replica__", null, Duration.ZERO, Clock.systemUTC());
  }

  /** A tracker over the leases in {@code dataSource}; a disabled one when {@code --ha.enabled=false}. */
  public static HaTracker create(DataSource dataSource, HaOptions options) {
    return create(dataSource, options, Clock.systemUTC());
  }

  static HaTracker create(DataSource dataSource, HaOptions options, Clock clock) {
    for (String[] flag : new String[][] {{"--ha.cluster-label", options.clusterLabel}, {"--ha.replica-label", options.replicaLabel}}) {
      if (flag[1] == null || !LABEL.matcher(flag[1]).matches()) {
        throw new IllegalArgumentException(flag[0] + " must be a label name such as cluster, got '" + flag[1] + "'");
      }
    }
    if (options.clusterLabel.equals(options.replicaLabel)) {
      throw new IllegalArgumentException("--ha.cluster-label and --ha.replica-label must differ");
    }
    if (options.failoverTimeout.compareTo(RECHECK.multipliedBy(2)) < 0) {
      throw new IllegalArgumentException(
          "--ha.failover-timeout must be at least 2s (the elected replica renews its lease about once a second)");
    }
    return new HaTracker(
        options.enabled, options.clusterLabel, options.replicaLabel, dataSource, options.failoverTimeout, clock);
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
    if (!enabled) {
      return true;
    }
    Key key = new Key(tenant, cluster, replica);
    Instant now = clock.instant();
    Decision d = decisions.get(key);
    if (d != null && now.isBefore(d.decidedAt.plus(RECHECK))) {
      return d.accept;
    }
    boolean accept = elect(key, now);
    decisions.put(key, new Decision(accept, now));
    return accept;
  }

  private boolean elect(Key key, Instant now) throws SQLException {
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(ELECT)) {
      ps.setString(1, key.tenant);
      ps.setString(2, key.cluster);
      ps.setString(3, key.replica);
      SqlTime.bind(ps, 4, now);
      SqlTime.bind(ps, 5, now);
      SqlTime.bind(ps, 6, now.minus(failoverTimeout));
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }
}
