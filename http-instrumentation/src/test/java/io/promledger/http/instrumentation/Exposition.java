package io.promledger.http.instrumentation;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The samples of a Prometheus text exposition, keyed by the sample line without its value, with
 * label pairs as written (e.g. {@code http_server_requests_total{method="GET",route="/a",status="200"}}).
 * Label order follows the writer, which sorts label names.
 */
public final class Exposition {
  private final Map<String, Double> samples = new LinkedHashMap<>();
  private final String text;

  private Exposition(String text) {
    this.text = text;
  }

  public static Exposition parse(String text) {
    Exposition e = new Exposition(text);
    for (String line : text.split("\n")) {
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int split = line.lastIndexOf('}');
      split = split < 0 ? line.indexOf(' ') : split + 1;
      String key = line.substring(0, split);
      String[] rest = line.substring(split).trim().split(" ");
      e.samples.put(key, parseValue(rest[0]));
    }
    return e;
  }

  private static double parseValue(String v) {
    switch (v) {
      case "+Inf":
        return Double.POSITIVE_INFINITY;
      case "-Inf":
        return Double.NEGATIVE_INFINITY;
      case "NaN":
        return Double.NaN;
      default:
        return Double.parseDouble(v);
    }
  }

  /** The value of one sample, e.g. {@code value("pg_up")}. */
  public OptionalDouble value(String sample) {
    Double v = samples.get(sample);
    return v == null ? OptionalDouble.empty() : OptionalDouble.of(v);
  }

  /** The value of a sample that must be present. */
  public double get(String sample) {
    Double v = samples.get(sample);
    if (v == null) {
      throw new AssertionError("no sample " + sample + " in:\n" + text);
    }
    return v;
  }

  /** All samples whose key starts with {@code prefix}. */
  public Map<String, Double> withPrefix(String prefix) {
    Map<String, Double> out = new LinkedHashMap<>();
    samples.forEach((k, v) -> {
      if (k.startsWith(prefix)) {
        out.put(k, v);
      }
    });
    return out;
  }

  public String text() {
    return text;
  }
}
