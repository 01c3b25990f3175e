package io.promledger.http.instrumentation;

import java.util.Locale;

/**
 * Chooses the exposition format from an {@code Accept} header by its q-values (RFC 9110, section
 * 12.5.1). The format with the highest q wins; {@code q=0} means not acceptable. A format's q comes
 * from the most specific media range that matches it ({@code text/plain} before {@code text/*}
 * before {@code *}{@code /*}). Equal q-values go to the more specific match, then to the range
 * listed first; a wildcard alone prefers the text format. Protobuf is chosen only when asked for by
 * name with {@code proto=io.prometheus.client.MetricFamily} (and {@code encoding=delimited}, or no
 * encoding), since a wildcard does not say which messages the client can read. With no header, or
 * nothing acceptable in it, the answer is the text format, as Prometheus exporters do.
 */
final class AcceptHeader {
  enum Format { PROTOBUF, OPENMETRICS, TEXT }

  private static final String PROTO_MESSAGE = "io.prometheus.client.MetricFamily";

  private AcceptHeader() {}

  static Format choose(String accept, boolean protobufAvailable) {
    if (accept == null || accept.isBlank()) {
      return Format.TEXT;
    }
    Format best = null;
    Match bestMatch = null;
    // Wildcard ties are settled by this order: text, then OpenMetrics, then protobuf.
    for (Format f : new Format[] {Format.TEXT, Format.OPENMETRICS, Format.PROTOBUF}) {
      if (f == Format.PROTOBUF && !protobufAvailable) {
        continue;
      }
      Match m = match(accept, f);
      if (m == null || m.q <= 0) {
        continue;
      }
      if (bestMatch == null || m.betterThan(bestMatch)) {
        best = f;
        bestMatch = m;
      }
    }
    return best == null ? Format.TEXT : best;
  }

  /** How a format fares in a header: its q and the range that gave it, or null if none matches. */
  private record Match(double q, int specificity, int position) {
    boolean betterThan(Match o) {
      if (q != o.q) {
        return q > o.q;
      }
      if (specificity != o.specificity) {
        return specificity > o.specificity;
      }
      return position < o.position;
    }
  }

  private static Match match(String accept, Format f) {
    Match found = null;
    String[] ranges = accept.split(",");
    for (int i = 0; i < ranges.length; i++) {
      String[] parts = ranges[i].split(";");
      String type = parts[0].trim().toLowerCase(Locale.ROOT);
      double q = 1;
      String proto = null;
      String encoding = null;
      for (int p = 1; p < parts.length; p++) {
        int eq = parts[p].indexOf('=');
        if (eq < 0) {
          continue;
        }
        String name = parts[p].substring(0, eq).trim().toLowerCase(Locale.ROOT);
        String value = unquote(parts[p].substring(eq + 1).trim());
        switch (name) {
          case "q" -> q = qValue(value);
          case "proto" -> proto = value;
          case "encoding" -> encoding = value.toLowerCase(Locale.ROOT);
          default -> { }
        }
      }
      int specificity = specificity(type, f, proto, encoding);
      if (specificity < 0) {
        continue;
      }
      if (found == null || specificity > found.specificity || (specificity == found.specificity && q > found.q)) {
        found = new Match(q, specificity, i);
      }
    }
    return found;
  }

  /** 2 for the format's own type, 1 for its {@code type/*}, 0 for {@code *}{@code /*}, -1 for no match. */
  private static int specificity(String type, Format f, String proto, String encoding) {
    return switch (f) {
      case PROTOBUF -> type.equals("application/vnd.google.protobuf") && PROTO_MESSAGE.equals(proto)
          && (encoding == null || encoding.equals("delimited")) ? 2 : -1;
      case OPENMETRICS -> type.equals("application/openmetrics-text") ? 2
          : type.equals("application/*") ? 1 : type.equals("*/*") ? 0 : -1;
      case TEXT -> type.equals("text/plain") ? 2 : type.equals("text/*") ? 1 : type.equals("*/*") ? 0 : -1;
    };
  }

  /** A q-value outside 0 to 1, or not a number, makes the range unacceptable. */
  private static double qValue(String v) {
    try {
      double q = Double.parseDouble(v);
      return q >= 0 && q <= 1 ? q : 0;
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static String unquote(String v) {
    return v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v;
  }
}
