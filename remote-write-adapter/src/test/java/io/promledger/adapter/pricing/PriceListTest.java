package io.promledger.adapter.pricing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PriceListTest {
  @TempDir Path dir;

  Path file(String yaml) throws Exception {
    Path p = dir.resolve("prices.yml");
    Files.writeString(p, yaml);
    return p;
  }

  @Test
  void theLatestMatchingPriceAppliesAndTheMoreSpecificWinsOnTheSameDay() throws Exception {
    PriceList prices = PriceList.load(file("""
        currency: EUR
        meters:
          - metric: cpu_seconds_total
            aggregation: increase
            prices:
              - {from: 2026-01-01, unit_price: 0.1}
              - {from: 2026-02-01, unit_price: "0.3"}
              - {from: 2026-02-01, unit_price: "0.2", match: {plan: gold}}
        """));
    PriceList.MeterPrices m = prices.meter("cpu_seconds_total", "increase");
    assertNull(PriceList.effective(m, Map.of(), LocalDate.parse("2025-12-31")));
    assertEquals(new BigDecimal("0.1"), PriceList.effective(m, Map.of("plan", "gold"), LocalDate.parse("2026-01-31")).unitPrice());
    assertEquals(new BigDecimal("0.2"), PriceList.effective(m, Map.of("plan", "gold"), LocalDate.parse("2026-02-01")).unitPrice());
    assertEquals(new BigDecimal("0.3"), PriceList.effective(m, Map.of("plan", "free"), LocalDate.parse("2026-02-01")).unitPrice());
    assertNull(prices.meter("cpu_seconds_total", "avg"));
  }

  @Test
  void mistakesAreReportedInOneLine() throws Exception {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PriceList.load(file("""
        currency: EUR
        meters:
          - metric: x_total
            aggregation: increase
            prices:
              - {from: 2026-01-01, unit_price: "ten"}
        """)));
    assertEquals("pricing file " + dir.resolve("prices.yml") + ": meter x_total: 'unit_price' must be a decimal number, got 'ten'",
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> PriceList.load(file("currency: euro\nmeters: []\n")));
    assertEquals("pricing file " + dir.resolve("prices.yml") + ": currency must be an ISO 4217 code such as EUR, got 'euro'",
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> PriceList.load(file("currency: EUR\nmeter: []\n")));
    assertEquals("pricing file " + dir.resolve("prices.yml") + ": unknown key 'meter' in the top level (known: currency, meters)",
        e.getMessage());
  }
}
