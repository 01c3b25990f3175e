package io.promledger.adapter.ingest;

import java.io.IOException;
import org.xerial.snappy.Snappy;

/**
 * Snappy block-format decompression with the size checked before anything is allocated. The
 * framed (stream) format is refused: the specification forbids it and decoding it as a block
 * would only produce garbage.
 */
public final class SnappyBody {
  private static final byte[] FRAMED_MAGIC = {(byte) 0xff, 0x06, 0x00, 0x00, 's', 'N', 'a', 'P', 'p', 'Y'};

  private SnappyBody() {}

  /** The decoded length declared by the block's varint preamble. */
  public static long declaredLength(byte[] body, int length) {
    if (startsWithFramedMagic(body, length)) {
      throw new BadRequestException(
          RejectReason.FRAMED_SNAPPY, "body uses the snappy framed format; remote write requires the block format");
    }
    long result = 0;
    for (int i = 0, shift = 0; i < Math.min(length, 5); i++, shift += 7) {
      int b = body[i] & 0xff;
      result |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return result;
      }
    }
    throw new BadRequestException(RejectReason.CORRUPT_BODY, "body is not snappy block data: bad length preamble");
  }

  /** Decompresses, after checking that the declared length is within {@code maxDecoded}. */
  public static byte[] decode(byte[] body, int length, long maxDecoded) {
    long declared = declaredLength(body, length);
    if (declared > maxDecoded) {
      throw new BadRequestException(
          RejectReason.DECODED_TOO_LARGE,
          "decoded size " + declared + " bytes exceeds the limit of " + maxDecoded + " bytes; send smaller batches (queue_config.max_samples_per_send)");
    }
    byte[] out = new byte[(int) declared];
    try {
      int n = Snappy.rawUncompress(body, 0, length, out, 0);
      if (n != declared) {
        throw new BadRequestException(
            RejectReason.CORRUPT_BODY, "snappy body decoded to " + n + " bytes but declared " + declared);
      }
      return out;
    } catch (IOException | RuntimeException e) {
      if (e instanceof BadRequestException bre) {
        throw bre;
      }
      throw new BadRequestException(RejectReason.CORRUPT_BODY, "body is not valid snappy block data: " + e.getMessage());
    }
  }

  private static boolean startsWithFramedMagic(byte[] body, int length) {
    if (length < FRAMED_MAGIC.length) {
      return false;
    }
    for (int i = 0; i < FRAMED_MAGIC.length; i++) {
      if (body[i] != FRAMED_MAGIC[i]) {
        return false;
      }
    }
    return true;
  }
}
