package io.promledger.adapter.storage;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Bounded map from (tenant, label hash) to series id with two generations: when the young one is
 * full it becomes the old one and the previous old one is dropped. Ids found in the old generation
 * move to the young one, so series that keep arriving never leave the cache.
 */
public final class SeriesCache {
  private final int generationSize;
  private volatile ConcurrentHashMap<Key, Long> young = new ConcurrentHashMap<>();
  private volatile ConcurrentHashMap<Key, Long> old = new ConcurrentHashMap<>();

  public SeriesCache(int maxEntries) {
    this.generationSize = Math.max(1, maxEntries / 2);
  }

  public Long get(Key key) {
    Long id = young.get(key);
    if (id == null) {
      id = old.get(key);
      if (id != null) {
        put(key, id);
      }
    }
    return id;
  }

  public void put(Key key, long id) {
    ConcurrentHashMap<Key, Long> y = young;
    y.put(key, id);
    if (y.size() >= generationSize) {
      synchronized (this) {
        if (young == y) {
          old = y;
          young = new ConcurrentHashMap<>();
        }
      }
    }
  }

  public int size() {
    return young.size() + old.size();
  }

  /** Tenant plus the 128-bit label hash. */
  public record Key(String tenant, long hi, long lo) {
    public static Key of(String tenant, byte[] hash) {
      return new Key(tenant, readLong(hash, 0), readLong(hash, 8));
    }

    private static long readLong(byte[] b, int off) {
      long v = 0;
      for (int i = 0; i < 8; i++) {
        v = (v << 8) | (b[off + i] & 0xffL);
      }
      return v;
    }
  }
}
