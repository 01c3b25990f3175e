package io.promledger.adapter.ingest;

/**
 * What the label cache knows of a series from the bytes its labels were sent as: its id and, for
 * a series of an HA pair, the cluster and replica label values (its id is then the one of the
 * label set without the replica label). {@code haKey} is null for series outside HA pairs.
 */
public record KnownSeries(long id, String cluster, String replica, String haKey) {
  static KnownSeries of(long id, String cluster, String replica) {
    return cluster == null || replica == null
        ? new KnownSeries(id, null, null, null)
        : new KnownSeries(id, cluster, replica, haKey(cluster, replica));
  }

  static String haKey(String cluster, String replica) {
    return cluster + '\u0000' + replica;
  }
}
