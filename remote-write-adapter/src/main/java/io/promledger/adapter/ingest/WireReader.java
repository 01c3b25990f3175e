package io.promledger.adapter.ingest;

import com.google.protobuf.InvalidProtocolBufferException;

/**
 * Reads protobuf wire format straight from a byte array, for the remote-write 1.0 hot path: it
 * lets the decoder see where each field lies in the body, which the label cache keys on. Errors
 * are {@link InvalidProtocolBufferException}s, as protobuf-java's own.
 */
final class WireReader {
  static final int VARINT = 0;
  static final int FIXED64 = 1;
  static final int LEN = 2;
  static final int START_GROUP = 3;
  static final int END_GROUP = 4;
  static final int FIXED32 = 5;
  /** protobuf-java's default recursion limit, applied to nested groups of unknown fields. */
  private static final int MAX_GROUP_DEPTH = 100;

  final byte[] buf;
  int pos;
  int limit;

  WireReader(byte[] buf) {
    this.buf = buf;
  }

  /** Positions the reader on {@code [from, to)} of the buffer. */
  WireReader range(int from, int to) {
    pos = from;
    limit = to;
    return this;
  }

  boolean more() {
    return pos < limit;
  }

  /** Tags and lengths are 32-bit varints of up to ten bytes; as protobuf-java, bits above 32 are dropped. */
  int readTag() throws InvalidProtocolBufferException {
    int tag = (int) readVarint();
    if ((tag >>> 3) == 0) {
      throw new InvalidProtocolBufferException("Protocol message contained an invalid tag (zero).");
    }
    return tag;
  }

  long readVarint() throws InvalidProtocolBufferException {
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= limit) {
        throw truncated();
      }
      byte b = buf[pos++];
      v |= (long) (b & 0x7f) << shift;
      if (b >= 0) {
        return v;
      }
    }
    throw new InvalidProtocolBufferException("CodedInputStream encountered a malformed varint.");
  }

  /** The length of a length-delimited field, checked against what is left. */
  int readLength() throws InvalidProtocolBufferException {
    int n = (int) readVarint();
    if (n < 0) {
      throw new InvalidProtocolBufferException("CodedInputStream encountered an embedded string or message which claimed to have negative size.");
    }
    if (n > limit - pos) {
      throw truncated();
    }
    return n;
  }

  long readFixed64() throws InvalidProtocolBufferException {
    if (limit - pos < 8) {
      throw truncated();
    }
    long v = 0;
    for (int i = 7; i >= 0; i--) {
      v = (v << 8) | (buf[pos + i] & 0xffL);
    }
    pos += 8;
    return v;
  }

  /** Skips the field whose tag was just read. */
  void skipField(int tag) throws InvalidProtocolBufferException {
    skipField(tag, 0);
  }

  private void skipField(int tag, int depth) throws InvalidProtocolBufferException {
    switch (tag & 7) {
      case VARINT -> readVarint();
      case FIXED64 -> skip(8);
      case LEN -> skip(readLength());
      case FIXED32 -> skip(4);
      case START_GROUP -> {
        if (depth >= MAX_GROUP_DEPTH) {
          throw new InvalidProtocolBufferException("Protocol message had too many levels of nesting.");
        }
        int end = ((tag >>> 3) << 3) | END_GROUP;
        while (true) {
          if (!more()) {
            throw truncated();
          }
          int inner = readTag();
          if (inner == end) {
            return;
          }
          skipField(inner, depth + 1);
        }
      }
      case END_GROUP -> throw new InvalidProtocolBufferException("Protocol message end-group tag did not match expected tag.");
      default -> throw new InvalidProtocolBufferException("Protocol message tag had invalid wire type.");
    }
  }

  private void skip(int n) throws InvalidProtocolBufferException {
    if (n > limit - pos) {
      throw truncated();
    }
    pos += n;
  }

  private static InvalidProtocolBufferException truncated() {
    return new InvalidProtocolBufferException(
        "While parsing a protocol message, the input ended unexpectedly in the middle of a field.");
  }
}
