package io.promledger.adapter.ingest;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The label fields of one remote-write 1.0 series of a tenant, byte for byte as sent: a range of
 * a request body, or a copy of one held by {@link SentLabelsCache}. Prometheus encodes the labels
 * of a series identically on every request, so these bytes recognise a known series without
 * decoding, sorting or hashing its labels. Equal means equal bytes, compared in full.
 */
public final class SentLabels {
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  /** Per process, so that nobody can prepare label sets that collide in the cache's tables. */
  private static final long SEED = ThreadLocalRandom.current().nextLong() | 1;

  private final String tenant;
  private final byte[] bytes;
  private final int from;
  private final int to;
  private final int hash;

  private SentLabels(String tenant, byte[] bytes, int from, int to, int hash) {
    this.tenant = tenant;
    this.bytes = bytes;
    this.from = from;
    this.to = to;
    this.hash = hash;
  }

  /** A view of {@code body[from, to)}; valid while the body is. */
  static SentLabels view(String tenant, byte[] body, int from, int to) {
    return new SentLabels(tenant, body, from, to, hash(tenant, body, from, to));
  }

  /** A copy that does not keep the request body alive. */
  SentLabels copy() {
    return from == 0 && to == bytes.length ? this : new SentLabels(tenant, Arrays.copyOfRange(bytes, from, to), 0, to - from, hash);
  }

  byte[] body() {
    return bytes;
  }

  int from() {
    return from;
  }

  int to() {
    return to;
  }

  private static int hash(String tenant, byte[] b, int from, int to) {
    long h = SEED ^ tenant.hashCode() ^ ((long) (to - from) << 32);
    int i = from;
    for (; i + 8 <= to; i += 8) {
      h = Long.rotateLeft(h ^ ((long) LONGS.get(b, i) * 0x9E3779B97F4A7C15L), 27) * 0xC2B2AE3D27D4EB4FL;
    }
    for (; i < to; i++) {
      h = (h ^ (b[i] & 0xff)) * 0x100000001B3L;
    }
    h ^= h >>> 33;
    h *= 0xFF51AFD7ED558CCDL;
    h ^= h >>> 33;
    return (int) h;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SentLabels other
        && hash == other.hash
        && Arrays.equals(bytes, from, to, other.bytes, other.from, other.to)
        && tenant.equals(other.tenant);
  }

  @Override
  public int hashCode() {
    return hash;
  }
}
