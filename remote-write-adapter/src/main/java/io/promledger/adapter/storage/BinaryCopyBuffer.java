package io.promledger.adapter.storage;

import java.sql.SQLException;
import org.postgresql.copy.CopyIn;

/**
 * Encodes rows in PostgreSQL's binary COPY format and streams them to a {@link CopyIn} in
 * chunks, so a large batch never needs one buffer of its full size.
 */
public final class BinaryCopyBuffer {
  private static final byte[] HEADER = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0, 0, 0, 0, 0, 0, 0, 0, 0};
  /** Milliseconds from the Unix epoch to PostgreSQL's epoch, 2000-01-01 UTC. */
  private static final long PG_EPOCH_MS = 946_684_800_000L;
  /**
   * Small enough to be an ordinary young-generation object: a buffer of half a G1 region or
   * more is allocated as a humongous object in the old generation, and one per commit kept the
   * collector in concurrent cycles.
   */
  private static final int CHUNK = 64 << 10;

  private final CopyIn copy;
  private final byte[] buf = new byte[CHUNK + 64];
  private int pos;

  public BinaryCopyBuffer(CopyIn copy) {
    this.copy = copy;
    System.arraycopy(HEADER, 0, buf, 0, HEADER.length);
    pos = HEADER.length;
  }

  public void startRow(int fields) throws SQLException {
    if (pos >= CHUNK) {
      flush();
    }
    putShort(fields);
  }

  public void int8(long v) {
    putInt(8);
    putLong(v);
  }

  public void int4(int v) {
    putInt(4);
    putInt(v);
  }

  public void float8(double v) {
    putInt(8);
    putLong(Double.doubleToRawLongBits(v));
  }

  /** A timestamptz from Unix milliseconds. */
  public void timestampMillis(long ms) {
    putInt(8);
    putLong((ms - PG_EPOCH_MS) * 1000L);
  }

  /** Writes the trailer and ends the COPY; returns the number of rows the server took. */
  public long finish() throws SQLException {
    putShort(-1);
    flush();
    return copy.endCopy();
  }

  private void flush() throws SQLException {
    copy.writeToCopy(buf, 0, pos);
    pos = 0;
  }

  private void putShort(int v) {
    buf[pos++] = (byte) (v >>> 8);
    buf[pos++] = (byte) v;
  }

  private void putInt(int v) {
    buf[pos++] = (byte) (v >>> 24);
    buf[pos++] = (byte) (v >>> 16);
    buf[pos++] = (byte) (v >>> 8);
    buf[pos++] = (byte) v;
  }

  private void putLong(long v) {
    putInt((int) (v >>> 32));
    putInt((int) v);
  }
}
