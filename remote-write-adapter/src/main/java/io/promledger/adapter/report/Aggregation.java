package io.promledger.adapter.report;

import java.util.Locale;

/** How a meter turns a step of samples into one number. */
public record Aggregation(Kind kind, double quantile) {
  /** The aggregation kinds; INCREASE applies to counters, the others to gauges. */
  public enum Kind {
    INCREASE,
    INTEGRAL,
    AVG,
    MAX,
    MIN,
    QUANTILE
  }

  /** {@code increase}, {@code integral}, {@code avg}, {@code max}, {@code min}, {@code p95}, {@code p99.9}... */
  public static Aggregation parse(String text) {
    String s = text.trim().toLowerCase(Locale.ROOT);
    if (s.matches("p\\d{1,2}(\\.\\d+)?")) {
      double q = Double.parseDouble(s.substring(1)) / 100;
      if (q <= 0 || q >= 1) {
        throw new IllegalArgumentException("quantile " + text + " must lie between p0 and p100");
      }
      return new Aggregation(Kind.QUANTILE, q);
    }
    for (Kind k : Kind.values()) {
      if (k != Kind.QUANTILE && k.name().toLowerCase(Locale.ROOT).equals(s)) {
        return new Aggregation(k, Double.NaN);
      }
    }
    throw new IllegalArgumentException(
        "unknown aggregation '" + text + "'; use increase, integral, avg, max, min or a quantile such as p95");
  }

  /** Aggregations whose step values add up to the value of the whole range. */
  public boolean isAdditive() {
    return kind == Kind.INCREASE || kind == Kind.INTEGRAL;
  }

  public boolean forCounters() {
    return kind == Kind.INCREASE;
  }

  @Override
  public String toString() {
    if (kind == Kind.QUANTILE) {
      String p = java.math.BigDecimal.valueOf(quantile * 100).stripTrailingZeros().toPlainString();
      return "p" + p;
    }
    return kind.name().toLowerCase(Locale.ROOT);
  }
}
