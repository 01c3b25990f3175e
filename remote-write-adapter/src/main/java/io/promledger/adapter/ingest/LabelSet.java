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

  private static final ThreadLocal<byte[]> CANONICAL = ThreadLocal.withInitial(() -> new byte[1024]);

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
    return get(ByteString.copyFromUtf8(name));
  }

  /** The value of label {@code name}, or null; for names looked up on every series. */
  public String get(ByteString name) {
    // names are sorted by unsigned bytes
    int lo = 0;
    int hi = names.length - 1;
    var cmp = ByteString.unsignedLexicographicalComparator();
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int c = cmp.compare(names[mid], name);
      if (c < 0) {
        lo = mid + 1;
      } else if (c > 0) {
        hi = mid - 1;
      } else {
        return values[mid].toStringUtf8();
      }
    }
    return null;
  }

  /**
   * Refuses names or values that are not valid UTF-8 or contain NUL (PostgreSQL text and jsonb
   * cannot hold it). Needed for every set not recognised by its bytes as sent, known hash or
   * not: the hash separates names and values by 0xff, a byte that valid UTF-8 never holds, so
   * {@code {__name__="a\xffb\xffc"}} hashes as {@code {__name__="a",b="c"}}.
   */
  public void checkText() {
    for (int i = 0; i < names.length; i++) {
      checkText(names[i]);
      checkText(values[i]);
    }
  }

  private static void checkText(ByteString s) {
    if (!s.isValidUtf8()) {
      throw new SeriesRejectedException(RejectReason.INVALID_UTF8, "a label name or value is not valid UTF-8");
    }
    if (containsNul(s)) {
      throw new SeriesRejectedException(RejectReason.INVALID_UTF8, "a label name or value contains a NUL byte");
    }
  }

  static boolean containsNul(ByteString s) {
    for (int i = 0; i < s.size(); i++) {
      if (s.byteAt(i) == 0) {
        return true;
      }
    }
    return false;
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
    // One digest update over a reused buffer: per-part updates through ByteBuffers cost more
    // than the hashing itself.
    int len = 0;
    for (int i = 0; i < names.length; i++) {
      len += names[i].size() + values[i].size() + 2;
    }
    byte[] buf = CANONICAL.get();
    if (buf.length < len) {
      buf = new byte[Math.max(len, buf.length * 2)];
      CANONICAL.set(buf);
    }
    int pos = 0;
    for (int i = 0; i < names.length; i++) {
      names[i].copyTo(buf, pos);
      pos += names[i].size();
      buf[pos++] = (byte) 0xff;
      values[i].copyTo(buf, pos);
      pos += values[i].size();
      buf[pos++] = (byte) 0xff;
    }
    MessageDigest md = SHA256.get();
    md.reset();
    md.update(buf, 0, pos);
    return Arrays.copyOf(md.digest(), 16);
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
