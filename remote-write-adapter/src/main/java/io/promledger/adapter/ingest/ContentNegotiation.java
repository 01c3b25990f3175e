package io.promledger.adapter.ingest;

import java.util.Locale;

/**
 * Chooses the protobuf message from {@code Content-Type} and checks {@code Content-Encoding},
 * both before the body is read. Media types are parsed as RFC 9110 describes: type and
 * parameter names are case-insensitive, whitespace around them is optional.
 */
public final class ContentNegotiation {
  static final String V1_MESSAGE = "prometheus.WriteRequest";
  static final String V2_MESSAGE = "io.prometheus.write.v2.Request";

  private ContentNegotiation() {}

  /**
   * @throws UnsupportedMediaException for anything but snappy-compressed protobuf of a known message
   */
  public static Protocol negotiate(String contentType, String contentEncoding) {
    if (contentEncoding != null
        && !contentEncoding.isBlank()
        && !contentEncoding.trim().equalsIgnoreCase("snappy")) {
      throw new UnsupportedMediaException(
          "unsupported Content-Encoding '" + contentEncoding.trim() + "'; only snappy (block format) is accepted");
    }
    if (contentType == null || contentType.isBlank()) {
      return Protocol.V1; // what client_golang assumes as well
    }
    String[] parts = contentType.split(";");
    String mediaType = parts[0].trim().toLowerCase(Locale.ROOT);
    if (!mediaType.equals("application/x-protobuf")) {
      throw new UnsupportedMediaException(
          "unsupported Content-Type '" + contentType.trim() + "'; send application/x-protobuf with proto="
              + V1_MESSAGE + " or proto=" + V2_MESSAGE);
    }
    String proto = null;
    for (int i = 1; i < parts.length; i++) {
      String p = parts[i].trim();
      int eq = p.indexOf('=');
      if (eq > 0 && p.substring(0, eq).trim().equalsIgnoreCase("proto")) {
        proto = unquote(p.substring(eq + 1).trim());
      }
    }
    if (proto == null || proto.equals(V1_MESSAGE)) {
      return Protocol.V1;
    }
    if (proto.equals(V2_MESSAGE)) {
      return Protocol.V2;
    }
    throw new UnsupportedMediaException(
        "unsupported protobuf message '" + proto + "'; accepted: " + V1_MESSAGE + ", " + V2_MESSAGE);
  }

  private static String unquote(String s) {
    return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
  }

  /** Answered with 415, so that senders can fall back to another format or encoding. */
  public static final class UnsupportedMediaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UnsupportedMediaException(String message) {
      super(message);
    }
  }
}
