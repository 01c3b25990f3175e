package io.promledger.adapter.ingest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * A canonical label set: no empty values, names sorted by their UTF-8 bytes (Go's string order,
 * which differs from Java's UTF-16 order above U+FFFF), no duplicate names, {@code __name__}
 * present. Its identity is a 128-bit hash of the tenant-independent canonical bytes.
 */
public final class LabelSet {
  public static final String METRIC_NAME = "__name__";

  private final String[] names;
  private final String[] values;
  private final byte[] hash;

  LabelSet(String[] names, String[] values, byte[] canonicalBytes) {
    this.names = names;
    this.values = values;
    this.hash = hash128(canonicalBytes);
  }

  public int size() {
    return names.length;
  }

  public String name(int i) {
    return names[i];
  }

  public String value(int i) {
    return values[i];
  }

  /** The value of label {@code name}, or null. */
  public String get(String name) {
    for (int i = 0; i < names.length; i++) {
      if (names[i].equals(name)) {
        return values[i];
      }
    }
    return null;
  }

  public String metricName() {
    return get(METRIC_NAME);
  }

  /** 16 bytes: the first half of SHA-256 over the canonical bytes. */
  public byte[] hash() {
    return hash;
  }

  /** The labels without {@code __name__} as a JSON object, keys in canonical order. */
  public String labelsJson() {
    StringBuilder b = new StringBuilder(16 * names.length + 2).append('{');
    boolean first = true;
    for (int i = 0; i < names.length; i++) {
      if (names[i].equals(METRIC_NAME)) {
        continue;
      }
      if (!first) {
        b.append(',');
      }
      first = false;
      Json.appendString(b, names[i]);
      b.append(':');
      Json.appendString(b, values[i]);
    }
    return b.append('}').toString();
  }

  /** A copy without label {@code name} (used to drop an HA replica label from the identity). */
  public LabelSet without(String name) {
    int idx = -1;
    for (int i = 0; i < names.length; i++) {
      if (names[i].equals(name)) {
        idx = i;
      }
    }
    if (idx < 0) {
      return this;
    }
    String[] n = new String[names.length - 1];
    String[] v = new String[names.length - 1];
    for (int i = 0, j = 0; i < names.length; i++) {
      if (i != idx) {
        n[j] = names[i];
        v[j++] = values[i];
      }
    }
    return new LabelSet(n, v, canonicalBytes(n, v));
  }

  static byte[] canonicalBytes(String[] names, String[] values) {
    // 0xff never occurs in UTF-8, so it separates names and values unambiguously.
    int len = 0;
    byte[][] parts = new byte[names.length * 2][];
    for (int i = 0; i < names.length; i++) {
      parts[2 * i] = names[i].getBytes(StandardCharsets.UTF_8);
      parts[2 * i + 1] = values[i].getBytes(StandardCharsets.UTF_8);
      len += parts[2 * i].length + parts[2 * i + 1].length + 2;
    }
    byte[] out = new byte[len];
    int pos = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, pos, p.length);
      pos += p.length;
      out[pos++] = (byte) 0xff;
    }
    return out;
  }

  private static byte[] hash128(byte[] canonical) {
    try {
      return Arrays.copyOf(MessageDigest.getInstance("SHA-256").digest(canonical), 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java runtime", e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LabelSet other && Arrays.equals(hash, other.hash);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(hash);
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    String name = metricName();
    b.append(name == null ? "" : name).append('{');
    boolean first = true;
    for (int i = 0; i < names.length; i++) {
      if (names[i].equals(METRIC_NAME)) {
        continue;
      }
      if (!first) {
        b.append(',');
      }
      first = false;
      b.append(names[i]).append('=');
      Json.appendString(b, values[i]);
    }
    return b.append('}').toString();
  }
}
