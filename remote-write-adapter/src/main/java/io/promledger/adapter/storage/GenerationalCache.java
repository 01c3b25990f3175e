package io.promledger.adapter.storage;

import java.util.concurrent.ConcurrentHashMap;

/**
 * A bounded map with two generations: when the young one is full it becomes the old one and the
 * previous old one is dropped. Entries found in the old generation move to the young one, so
 * keys that keep arriving never leave the cache. At most {@code maxEntries} entries are held.
 */
public final class GenerationalCache<K, V> {
  private final int generationSize;
  private volatile ConcurrentHashMap<K, V> young = new ConcurrentHashMap<>();
  private volatile ConcurrentHashMap<K, V> old = new ConcurrentHashMap<>();

  public GenerationalCache(int maxEntries) {
    this.generationSize = Math.max(1, maxEntries / 2);
  }

  public V get(K key) {
    V value = young.get(key);
    if (value == null) {
      value = old.get(key);
      if (value != null) {
        put(key, value);
      }
    }
    return value;
  }

  public void put(K key, V value) {
    ConcurrentHashMap<K, V> y = young;
    y.put(key, value);
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
}
