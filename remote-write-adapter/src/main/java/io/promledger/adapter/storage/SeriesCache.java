package io.promledger.adapter.storage;

/** Bounded map from (tenant, label hash) to series id; see {@link GenerationalCache}. */
public final class SeriesCache {
  private final GenerationalCache<Key, Long> ids;

  public SeriesCache(int maxEntries) {
    this.ids = new GenerationalCache<>(maxEntries);
  }

  public Long get(Key key) {
    return ids.get(key);
  }

  public void put(Key key, long id) {
    ids.put(key, id);
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
