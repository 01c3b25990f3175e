package io.promledger.adapter.ingest;

import com.google.protobuf.ByteString;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * A canonical label set: no empty values, names sorted by their UTF-8 bytes (Go's string order,
 * which differs from Java's UTF-16 order above U+FFFF), no duplicate names, {@code __name__}
 * present. Its identity is a 128-bit hash of the canonical bytes. Names and values stay in their
 * wire form (already validated UTF-8); Java strings are made only when needed, which is for
 * series not yet in the cache.
 */
public final class LabelSet {
  public static final String METRIC_NAME = "__name__";
  static final ByteString METRIC_NAME_BYTES = ByteString.copyFromUtf8(METRIC_NAME);

  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException("SHA-256 is required by every Java runtime", e);
            }
          });

  private final ByteString[] names;
  private final ByteString[] values;
  private final byte[] hash;

  /** {@code names} sorted and unique, values non-empty; not checked here. */
  LabelSet(ByteString[] names, ByteString[] values) {
    this.names = names;
    this.values = values;
    this.hash = hash128(names, values);
  }

  public int size() {
    return names.length;
  }

  public String name(int i) {
    return names[i].toStringUtf8();
  }

  public String value(int i) {
    return values[i].toStringUtf8();
  }

  /** The value of label {@code name}, or null. */
  public String get(String name) {
    ByteString key = ByteString.copyFromUtf8(name);
    for (int i = 0; i < names.length; i++) {
      if (names[i].equals(key)) {
        return values[i].toStringUtf8();
      }
    }
    return null;
  }

  public String metricName() {
    for (int i = 0; i < names.length; i++) {
      if (names[i].equals(METRIC_NAME_BYTES)) {
        return values[i].toStringUtf8();
      }
    }
    return null;
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
      if (names[i].equals(METRIC_NAME_BYTES)) {
        continue;
      }
      if (!first) {
        b.append(',');
      }
      first = false;
      Json.appendString(b, names[i].toStringUtf8());
      b.append(':');
      Json.appendString(b, values[i].toStringUtf8());
    }
    return b.append('}').toString();
  }

  /** A copy without label {@code name} (used to drop an HA replica label from the identity). */
  public LabelSet without(String name) {
    ByteString key = ByteString.copyFromUtf8(name);
    int idx = -1;
    for (int i = 0; i < names.length; i++) {
      if (names[i].equals(key)) {
        idx = i;
      }
    }
    if (idx < 0) {
      return this;
    }
    ByteString[] n = new ByteString[names.length - 1];
    ByteString[] v = new ByteString[names.length - 1];
    for (int i = 0, j = 0; i < names.length; i++) {
      if (i != idx) {
        n[j] = names[i];
        v[j++] = values[i];
      }
    }
    return new LabelSet(n, v);
  }

  /**
   * SHA-256 over name, 0xff, value, 0xff, ...: 0xff never occurs in UTF-8, so names and values
   * are separated unambiguously.
   */
  private static byte[] hash128(ByteString[] names, ByteString[] values) {
    MessageDigest md = SHA256.get();
    md.reset();
    for (int i = 0; i < names.length; i++) {
      update(md, names[i]);
      md.update((byte) 0xff);
      update(md, values[i]);
      md.update((byte) 0xff);
    }
    return Arrays.copyOf(md.digest(), 16);
  }

  private static void update(MessageDigest md, ByteString s) {
    for (java.nio.ByteBuffer b : s.asReadOnlyByteBufferList()) {
      md.update(b);
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
      if (names[i].equals(METRIC_NAME_BYTES)) {
        continue;
      }
      if (!first) {
        b.append(',');
      }
      first = false;
      b.append(names[i].toStringUtf8()).append('=');
      Json.appendString(b, values[i].toStringUtf8());
    }
    return b.append('}').toString();
  }
}
