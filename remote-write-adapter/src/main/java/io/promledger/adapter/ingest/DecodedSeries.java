package io.promledger.adapter.ingest;

import java.util.List;

/**
 * One accepted series of a request: canonical labels and its float samples, with staleness
 * markers already separated out. {@code startTimestamps} is null unless a 2.0 sender set them.
 */
public record DecodedSeries(
    LabelSet labels,
    long[] timestamps,
    double[] values,
    int sampleCount,
    long[] staleTimestamps,
    int staleCount,
    long[] startTimestamps,
    List<ExemplarRecord> exemplars) {

  /** All samples including staleness markers: what the sender counts as written. */
  public int acceptedSamples() {
    return sampleCount + staleCount;
  }
}
