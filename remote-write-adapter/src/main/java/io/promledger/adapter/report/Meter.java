package io.promledger.adapter.report;

/** One thing a report measures: an aggregation over the series a selector picks. */
public record Meter(Aggregation aggregation, SeriesSelector selector, String text) {
  /** {@code AGGREGATION:SELECTOR}, e.g. {@code increase:http_requests_total{job="api"}}. */
  public static Meter parse(String text) {
    int colon = text.indexOf(':');
    int brace = text.indexOf('{');
    if (colon <= 0 || (brace >= 0 && brace < colon)) {
      throw new IllegalArgumentException(
          "invalid meter '" + text + "'; write AGGREGATION:SELECTOR such as increase:http_requests_total{job=\"api\"}");
    }
    return new Meter(Aggregation.parse(text.substring(0, colon)), SeriesSelector.parse(text.substring(colon + 1)), text);
  }
}
