package io.promledger.adapter.rollup;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A mergeable quantile sketch with relative accuracy {@value #ALPHA} (DDSketch-style log
 * buckets, the same keys as the SQL function {@code sketch_key}): any quantile it returns is
 * within 1% of the value of the nearest-rank quantile of the merged samples. Merging adds counts,
 * so a sketch of many buckets equals the sketch of all their samples.
 */
public final class Sketch {
  public static final double ALPHA = 0.01;
  static final double GAMMA = (1 + ALPHA) / (1 - ALPHA);

  private final Map<String, Long> counts = new HashMap<>();

  public void add(Map<String, Long> other) {
    other.forEach((k, n) -> counts.merge(k, n, Long::sum));
  }

  Map<String, Long> counts() {
    return counts;
  }

  public long total() {
    long n = 0;
    for (long c : counts.values()) {
      n += c;
    }
    return n;
  }

  public boolean isEmpty() {
    return counts.isEmpty();
  }

  /**
   * The nearest-rank quantile: the representative of the key holding rank ceil(q * n), clamped
   * to [min, max] of the merged values (which keeps the 1% bound and removes it at the ends).
   */
  public double quantile(double q, double min, double max) {
    List<Key> keys = new ArrayList<>();
    counts.forEach((k, n) -> keys.add(Key.parse(k, n)));
    keys.sort(null);
    long total = total();
    long rank = Math.max(1, (long) Math.ceil(q * total));
    long cum = 0;
    for (Key k : keys) {
      cum += k.count;
      if (cum >= rank) {
        return Math.max(min, Math.min(max, k.value()));
      }
    }
    return max;
  }

  private record Key(int sign, int index, long count) implements Comparable<Key> {
    static Key parse(String key, long count) {
      return switch (key.charAt(0)) {
        case 'z' -> new Key(0, 0, count);
        case 'p' -> new Key(1, Integer.parseInt(key.substring(1)), count);
        case 'n' -> new Key(-1, Integer.parseInt(key.substring(1)), count);
        default -> throw new IllegalArgumentException("bad sketch key " + key);
      };
    }

    double value() {
      return sign == 0 ? 0 : sign * 2 * Math.pow(GAMMA, index) / (GAMMA + 1);
    }

    @Override
    public int compareTo(Key o) {
      if (sign != o.sign) {
        return Integer.compare(sign, o.sign);
      }
      return Integer.compare(sign * index, o.sign * o.index);
    }
  }
}
