package io.promledger.adapter.report;

import io.promledger.adapter.pricing.PriceList;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.Map;

/**
 * Turns usage into cost for one meter and group, sub-step by sub-step in time order: the price
 * in effect on the sub-step's (local) start date applies, and each calendar month's free
 * allowance is used up first.
 */
final class CostCalculator {
  private final PriceList.MeterPrices prices;
  private final Map<String, String> group;
  private final ZoneId zone;
  private final Map<YearMonth, BigDecimal> usedFree = new HashMap<>();

  CostCalculator(PriceList.MeterPrices prices, Map<String, String> group, ZoneId zone) {
    this.prices = prices;
    this.group = group;
    this.zone = zone;
  }

  /** Cost of {@code usage} consumed in the sub-step starting at {@code start}. */
  BigDecimal cost(Instant start, BigDecimal usage, boolean useFreeAllowance) {
    LocalDate day = LocalDate.ofInstant(start, zone);
    PriceList.Price price = PriceList.effective(prices, group, day);
    if (price == null) {
      return BigDecimal.ZERO;
    }
    BigDecimal billable = usage;
    if (useFreeAllowance && price.freePerMonth().signum() > 0) {
      YearMonth month = YearMonth.from(day);
      BigDecimal used = usedFree.getOrDefault(month, BigDecimal.ZERO);
      BigDecimal left = price.freePerMonth().subtract(used).max(BigDecimal.ZERO);
      BigDecimal free = left.min(usage.max(BigDecimal.ZERO));
      usedFree.put(month, used.add(free));
      billable = usage.subtract(free);
    }
    return billable.multiply(price.unitPrice());
  }

  /** The dates on which the price or the free allowance of this meter may change. */
  static java.util.List<LocalDate> changeDates(PriceList.MeterPrices prices) {
    return prices.prices().stream().map(PriceList.Price::from).distinct().toList();
  }

  static boolean hasFreeAllowance(PriceList.MeterPrices prices) {
    return prices.prices().stream().anyMatch(p -> p.freePerMonth().signum() > 0);
  }
}
