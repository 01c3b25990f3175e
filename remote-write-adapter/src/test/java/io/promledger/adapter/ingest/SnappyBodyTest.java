package io.promledger.adapter.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.xerial.snappy.Snappy;

class SnappyBodyTest {
  @Test
  void decodesBlockFormat() throws Exception {
    byte[] raw = "hello remote write hello remote write".getBytes(StandardCharsets.UTF_8);
    byte[] body = Snappy.compress(raw);
    assertEquals(raw.length, SnappyBody.declaredLength(body, body.length));
    assertArrayEquals(raw, SnappyBody.decode(body, body.length, 1024));
  }

  @Test
  void refusesTheFramedFormat() throws Exception {
    byte[] framed = {(byte) 0xff, 0x06, 0x00, 0x00, 's', 'N', 'a', 'P', 'p', 'Y', 0x01, 0x05, 0, 0};
    assertEquals(RejectReason.FRAMED_SNAPPY, assertThrows(BadRequestException.class, () -> SnappyBody.decode(framed, framed.length, 1024)).reason());
  }

  @Test
  void refusesAnOversizedDeclaredLengthBeforeDecoding() {
    byte[] preamble = {(byte) 0x81, (byte) 0x80, (byte) 0x80, 0x10}; // 33,554,433
    BadRequestException e = assertThrows(BadRequestException.class, () -> SnappyBody.decode(preamble, preamble.length, 32 << 20));
    assertEquals(RejectReason.DECODED_TOO_LARGE, e.reason());
    assertEquals("decoded size 33554433 bytes exceeds the limit of 33554432 bytes; send smaller batches (queue_config.max_samples_per_send)", e.getMessage());
  }

  @Test
  void refusesCorruptData() throws Exception {
    byte[] body = Snappy.compress(new byte[100]);
    body[body.length - 1] ^= 0x55;
    body[1] = (byte) 0xfe;
    assertEquals(RejectReason.CORRUPT_BODY, assertThrows(BadRequestException.class, () -> SnappyBody.decode(body, body.length, 1024)).reason());
    byte[] endless = {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80};
    assertEquals(RejectReason.CORRUPT_BODY, assertThrows(BadRequestException.class, () -> SnappyBody.declaredLength(endless, endless.length)).reason());
  }
}
