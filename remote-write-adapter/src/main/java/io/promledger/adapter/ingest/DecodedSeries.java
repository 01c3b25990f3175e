package io.promledger.adapter.ingest;

import java.util.List;
import java.util.function.Supplier;

/**
 * One accepted series of a request: its labels and float samples, with staleness markers already
 * separated out. {@code startTimestamps} is null unless a 2.0 sender set them.
 *
 * <p>A 1.0 series also carries its labels as sent ({@link #sent()}), and, when the label cache
 * recognised them, what it knows of the series ({@link #known()}); its canonical labels are then
 * decoded only if something asks for them, such as an error message.
 */
public final class DecodedSeries {
  private LabelSet labels;
  private final Supplier<LabelSet> decodeLabels;
  private final SentLabels sent;
  private final KnownSeries known;
  private final long[] timestamps;
  private final double[] values;
  private final int sampleCount;
  private final long[] staleTimestamps;
  private final int staleCount;
  private final long[] startTimestamps;
  private final List<ExemplarRecord> exemplars;
  /** HA labels of an elected series decided on by its labels (not found in the label cache). */
  private final String haCluster;
  private final String haReplica;

  DecodedSeries(
      LabelSet labels,
      Supplier<LabelSet> decodeLabels,
      SentLabels sent,
      KnownSeries known,
      long[] timestamps,
      double[] values,
      int sampleCount,
      long[] staleTimestamps,
      int staleCount,
      long[] startTimestamps,
      List<ExemplarRecord> exemplars,
      String haCluster,
      String haReplica) {
    this.haCluster = haCluster;
    this.haReplica = haReplica;
    this.labels = labels;
    this.decodeLabels = decodeLabels;
    this.sent = sent;
    this.known = known;
    this.timestamps = timestamps;
    this.values = values;
    this.sampleCount = sampleCount;
    this.staleTimestamps = staleTimestamps;
    this.staleCount = staleCount;
    this.startTimestamps = startTimestamps;
    this.exemplars = exemplars;
  }

  /**
   * The elected series of an HA pair under its identity without the replica label, keeping the
   * cluster and replica for the label cache.
   */
  DecodedSeries electedWithout(String replicaLabel, String cluster, String replica) {
    return new DecodedSeries(
        labels().without(replicaLabel), null, sent, null, timestamps, values, sampleCount, staleTimestamps, staleCount,
        startTimestamps, exemplars, cluster, replica);
  }

  String haCluster() {
    return haCluster;
  }

  String haReplica() {
    return haReplica;
  }

  public LabelSet labels() {
    if (labels == null) {
      labels = decodeLabels.get();
    }
    return labels;
  }

  /** The labels as sent, or null (2.0, or labels not sent as one run of fields). */
  public SentLabels sent() {
    return sent;
  }

  /** What the label cache knew of this series, or null. */
  public KnownSeries known() {
    return known;
  }

  public long[] timestamps() {
    return timestamps;
  }

  public double[] values() {
    return values;
  }

  public int sampleCount() {
    return sampleCount;
  }

  public long[] staleTimestamps() {
    return staleTimestamps;
  }

  public int staleCount() {
    return staleCount;
  }

  public long[] startTimestamps() {
    return startTimestamps;
  }

  public List<ExemplarRecord> exemplars() {
    return exemplars;
  }

  /** All samples including staleness markers: what the sender counts as written. */
  public int acceptedSamples() {
    return sampleCount + staleCount;
  }
}
