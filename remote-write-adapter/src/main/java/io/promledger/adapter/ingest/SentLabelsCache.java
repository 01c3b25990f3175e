package io.promledger.adapter.ingest;

import io.promledger.adapter.storage.GenerationalCache;

/**
 * Series ids by the bytes their labels were sent as ({@link SentLabels}): the fast path for known
 * series, in front of the cache keyed by canonical label hashes. Only series whose labels passed
 * every check and whose id is known are entered, so a hit needs no check again. Each entry holds
 * a copy of the label bytes, about 80 bytes more than the labels themselves.
 */
public final class SentLabelsCache {
  private final GenerationalCache<SentLabels, KnownSeries> entries;

  public SentLabelsCache(int maxEntries) {
    this.entries = new GenerationalCache<>(maxEntries);
  }

  /** The series sent with exactly these label bytes, or null. */
  KnownSeries get(SentLabels labels) {
    return entries.get(labels);
  }

  public void put(SentLabels labels, KnownSeries series) {
    entries.put(labels.copy(), series);
  }

  public int size() {
    return entries.size();
  }
}
