package io.promledger.adapter.rollup;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;

/**
 * One stored bucket of one series at some level. Values are read as the shortest decimal spelling
 * of their float8, the same numbers the SQL side sums, so merges are exact.
 */
public record BucketRow(
    long seriesId,
    Resolution level,
    Instant start,
    long count,
    BigDecimal sum,
    Double min,
    Double max,
    Instant firstTs,
    BigDecimal firstValue,
    Instant lastTs,
    BigDecimal lastValue,
    Instant firstStartTs,
    BigDecimal increase,
    int resets,
    BigDecimal integral,
    Instant endBeforeFirst,
    Instant endAfterLast,
    Double p95,
    Map<String, Long> sketch) {

  public Instant end() {
    return start.plus(level.width());
  }

  public boolean hasSamples() {
    return count > 0;
  }

  /** The first sample or series end in the bucket. */
  public Instant firstEvent() {
    if (firstTs == null) {
      return endBeforeFirst;
    }
    return endBeforeFirst != null && endBeforeFirst.isBefore(firstTs) ? endBeforeFirst : firstTs;
  }
}
