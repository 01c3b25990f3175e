package io.promledger.adapter.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The hand-written wire reader: the values protobuf defines, and a clear error for every malformed input. */
class WireReaderTest {
  private static WireReader over(int... bytes) {
    byte[] b = new byte[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      b[i] = (byte) bytes[i];
    }
    return new WireReader(b).range(0, b.length);
  }

  @Test
  void readsVarintsFixed64AndSkipsEveryWireType() throws Exception {
    assertEquals(300, over(0xac, 0x02).readVarint());
    // -1 as int64: ten bytes
    assertEquals(-1L, over(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01).readVarint());
    assertEquals(0x0807060504030201L, over(1, 2, 3, 4, 5, 6, 7, 8).readFixed64());
    // field 1 varint, field 2 fixed64, field 3 length 2, field 4 fixed32, field 5 group holding field 6 varint, then field 7
    WireReader r = over(0x08, 0x96, 0x01, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0x1a, 2, 9, 9, 0x25, 0, 0, 0, 0, 0x2b, 0x30, 1, 0x2c, 0x38, 7);
    for (int i = 0; i < 5; i++) {
      r.skipField(r.readTag());
    }
    assertEquals(0x38, r.readTag());
    assertEquals(7, r.readVarint());
    assertTrue(!r.more());
  }

  @Test
  void refusesMalformedInput() {
    assertThrows(InvalidProtocolBufferException.class, () -> over(0x80).readVarint()); // truncated varint
    assertThrows(InvalidProtocolBufferException.class,
        () -> over(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01).readVarint()); // 11 bytes
    assertThrows(InvalidProtocolBufferException.class, () -> over(0x00).readTag()); // field number 0
    assertThrows(InvalidProtocolBufferException.class, () -> over(5).readLength()); // length beyond the end
    assertThrows(InvalidProtocolBufferException.class, () -> over(1, 2, 3).readFixed64());
    assertThrows(InvalidProtocolBufferException.class, () -> over(0x0e).skipField(0x0e)); // wire type 6
    assertThrows(InvalidProtocolBufferException.class, () -> over(0x0c).skipField(0x0c)); // end group without start
    assertThrows(InvalidProtocolBufferException.class, () -> over(0x0b, 0x10, 1).skipField(over(0x0b).readTag())); // group never ends
  }

  @Test
  void aTruncatedSeriesFailsTheRequestAs400() {
    RequestDecoder decoder = new RequestDecoder(IngestLimits.defaults(), Clock.fixed(Instant.EPOCH, ZoneOffset.UTC), null);
    // a TimeSeries field that claims 16 bytes and holds 2
    BadRequestException e = assertThrows(BadRequestException.class,
        () -> decoder.decode(Protocol.V1, "default", new byte[] {0x0a, 0x10, 0x0a, 0x00}));
    assertEquals(RejectReason.INVALID_PROTOBUF, e.reason());
    assertTrue(e.getMessage().startsWith("body is not a valid 1.0 remote-write message: "), e.getMessage());
  }
}
