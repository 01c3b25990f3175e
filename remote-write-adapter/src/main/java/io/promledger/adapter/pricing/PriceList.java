package io.promledger.adapter.pricing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Unit prices per meter, effective-dated, optionally per label values, with a free allowance per
 * calendar month. Amounts are decimals, never floating point. The file:
 *
 * <pre>
 * currency: EUR
 * meters:
 *   - metric: http_requests_total
 *     aggregation: increase
 *     prices:
 *       - from: 2026-01-01          # a date in the report's time zone
 *         unit_price: "0.0002"
 *         free_per_month: 10000     # optional
 *       - from: 2026-03-15
 *         match: {plan: gold}       # optional: labels of the report's group_by
 *         unit_price: "0.0001"
 * </pre>
 */
public record PriceList(String currency, List<MeterPrices> meters) {
  private static final Set<String> TOP = Set.of("currency", "meters");
  private static final Set<String> METER = Set.of("metric", "aggregation", "prices");
  private static final Set<String> PRICE = Set.of("from", "unit_price", "match", "free_per_month");

  /** The prices of one meter (metric and aggregation). */
  public record MeterPrices(String metric, String aggregation, List<Price> prices) {}

  /** One effective-dated unit price. */
  public record Price(LocalDate from, Map<String, String> match, BigDecimal unitPrice, BigDecimal freePerMonth) {
    boolean matches(Map<String, String> groupLabels) {
      for (Map.Entry<String, String> e : match.entrySet()) {
        if (!e.getValue().equals(groupLabels.getOrDefault(e.getKey(), ""))) {
          return false;
        }
      }
      return true;
    }
  }

  public MeterPrices meter(String metric, String aggregation) {
    for (MeterPrices m : meters) {
      if (m.metric.equals(metric) && m.aggregation.equals(aggregation)) {
        return m;
      }
    }
    return null;
  }

  /**
   * The price in effect on {@code day} for a group: the matching entry with the latest start,
   * the more specific match winning between entries of the same date; null when none applies.
   */
  public static Price effective(MeterPrices meter, Map<String, String> groupLabels, LocalDate day) {
    Price best = null;
    for (Price p : meter.prices) {
      if (p.from.isAfter(day) || !p.matches(groupLabels)) {
        continue;
      }
      if (best == null
          || p.from.isAfter(best.from)
          || (p.from.equals(best.from) && p.match.size() > best.match.size())) {
        best = p;
      }
    }
    return best;
  }

  public static PriceList load(Path file) {
    JsonNode root;
    try {
      root =
          new ObjectMapper(new YAMLFactory())
              .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
              .readTree(Files.readString(file));
    } catch (IOException e) {
      throw new IllegalArgumentException("pricing file " + file + " cannot be read: " + firstLine(e));
    }
    try {
      return parse(root);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("pricing file " + file + ": " + e.getMessage());
    }
  }

  static PriceList parse(JsonNode root) {
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("must be a mapping with 'currency' and 'meters'");
    }
    keys(root, TOP, "the top level");
    String currency = text(root, "currency", "the top level");
    if (!currency.matches("[A-Z]{3}")) {
      throw new IllegalArgumentException("currency must be an ISO 4217 code such as EUR, got '" + currency + "'");
    }
    List<MeterPrices> meters = new ArrayList<>();
    JsonNode list = root.path("meters");
    if (!list.isArray() || list.isEmpty()) {
      throw new IllegalArgumentException("'meters' must be a non-empty list");
    }
    for (JsonNode m : list) {
      keys(m, METER, "a meter");
      String metric = text(m, "metric", "a meter");
      String where = "meter " + metric;
      String aggregation = text(m, "aggregation", where);
      List<Price> prices = new ArrayList<>();
      if (!m.path("prices").isArray() || m.path("prices").isEmpty()) {
        throw new IllegalArgumentException(where + ": 'prices' must be a non-empty list");
      }
      for (JsonNode p : m.path("prices")) {
        keys(p, PRICE, where + " price");
        LocalDate from;
        try {
          from = LocalDate.parse(text(p, "from", where + " price"));
        } catch (DateTimeParseException e) {
          throw new IllegalArgumentException(where + ": 'from' must be a date such as 2026-01-31");
        }
        Map<String, String> match = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = p.path("match").fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          match.put(e.getKey(), e.getValue().asText());
        }
        BigDecimal unitPrice = decimal(p, "unit_price", where);
        BigDecimal free = p.has("free_per_month") ? decimal(p, "free_per_month", where) : BigDecimal.ZERO;
        prices.add(new Price(from, Map.copyOf(match), unitPrice, free));
      }
      meters.add(new MeterPrices(metric, aggregation, List.copyOf(prices)));
    }
    return new PriceList(currency, List.copyOf(meters));
  }

  private static void keys(JsonNode node, Set<String> allowed, String where) {
    if (!node.isObject()) {
      throw new IllegalArgumentException(where + " must be a mapping");
    }
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!allowed.contains(k)) {
        throw new IllegalArgumentException("unknown key '" + k + "' in " + where + " (known: " + String.join(", ", new java.util.TreeSet<>(allowed)) + ")");
      }
    }
  }

  private static String text(JsonNode node, String key, String where) {
    JsonNode v = node.get(key);
    if (v == null || !v.isValueNode() || v.asText().isBlank()) {
      throw new IllegalArgumentException(where + ": '" + key + "' is required");
    }
    return v.asText();
  }

  private static BigDecimal decimal(JsonNode node, String key, String where) {
    String s = text(node, key, where);
    try {
      BigDecimal d = new BigDecimal(s);
      if (d.signum() < 0) {
        throw new IllegalArgumentException(where + ": '" + key + "' must not be negative");
      }
      return d;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(where + ": '" + key + "' must be a decimal number, got '" + s + "'");
    }
  }

  private static String firstLine(Exception e) {
    String m = e.getMessage() == null ? e.toString() : e.getMessage();
    return m.lines().findFirst().orElse("");
  }
}
