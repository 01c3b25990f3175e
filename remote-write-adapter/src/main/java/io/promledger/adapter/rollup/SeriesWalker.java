package io.promledger.adapter.rollup;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Merges the stored buckets of one series into report steps.
 *
 * <p>Counters: each step between two consecutive samples belongs to the step holding the later
 * sample; a drop, or a start timestamp after the earlier sample, is a reset and counts the later
 * value. Gauge integral: a value holds from its sample until the next sample, the series' end or
 * {@code maxGap}, whichever comes first, and that time is split exactly at step boundaries.
 * Both rules are the ones the SQL side applies inside a bucket, so any level gives the same sums.
 */
public final class SeriesWalker {
  private final Instant[] bounds;
  private final Duration maxGap;
  private final StepUsage[] steps;

  private Instant lastSampleTs;
  private BigDecimal lastSampleValue;
  private BigDecimal carryValue;
  private Instant carryFrom;
  private Instant carryUntil;

  /** {@code bounds} are the n+1 sorted step boundaries; every bucket lies inside one step. */
  public SeriesWalker(Instant[] bounds, Duration maxGap) {
    this.bounds = bounds;
    this.maxGap = maxGap;
    this.steps = new StepUsage[bounds.length - 1];
    for (int i = 0; i < steps.length; i++) {
      steps[i] = new StepUsage();
    }
  }

  /**
   * The last sample of the series before the first step, and whether the series ended between
   * it and the first step (then nothing is carried into the window).
   */
  public void previous(BucketRow row, boolean endedSince) {
    if (row == null || !row.hasSamples()) {
      return;
    }
    lastSampleTs = row.lastTs();
    lastSampleValue = row.lastValue();
    if (!endedSince && row.endAfterLast() == null) {
      carryValue = row.lastValue();
      carryFrom = row.end();
      carryUntil = row.lastTs().plus(maxGap);
    }
  }

  /** Adds the next bucket of the series (in time order, inside the steps). */
  public void add(BucketRow row) {
    int step = stepOf(row.start());
    Instant firstEvent = row.firstEvent();
    if (carryValue != null && firstEvent != null) {
      spread(carryValue, carryFrom, min(carryUntil, firstEvent));
      carryValue = null;
    }
    StepUsage u = steps[step];
    u.addRow(row);
    if (row.hasSamples()) {
      if (lastSampleTs != null) {
        boolean reset =
            (row.firstStartTs() != null && lastSampleTs.isBefore(row.firstStartTs()))
                || row.firstValue().compareTo(lastSampleValue) < 0;
        if (reset) {
          u.increase = u.increase.add(row.firstValue());
          u.resets++;
        } else {
          u.increase = u.increase.add(row.firstValue().subtract(lastSampleValue));
        }
      }
      lastSampleTs = row.lastTs();
      lastSampleValue = row.lastValue();
      if (row.endAfterLast() == null) {
        carryValue = row.lastValue();
        carryFrom = row.end();
        carryUntil = row.lastTs().plus(maxGap);
      }
    }
  }

  /** The usage per step, after the carry of the last bucket has been spread. */
  public StepUsage[] finish() {
    if (carryValue != null) {
      spread(carryValue, carryFrom, min(carryUntil, bounds[bounds.length - 1]));
      carryValue = null;
    }
    return steps;
  }

  private void spread(BigDecimal value, Instant from, Instant to) {
    for (int i = 0; i < steps.length && from.isBefore(to); i++) {
      Instant a = from.isAfter(bounds[i]) ? from : bounds[i];
      Instant b = to.isBefore(bounds[i + 1]) ? to : bounds[i + 1];
      if (a.isBefore(b)) {
        steps[i].integral = steps[i].integral.add(value.multiply(seconds(a, b)));
      }
    }
  }

  private static BigDecimal seconds(Instant a, Instant b) {
    Duration d = Duration.between(a, b);
    return BigDecimal.valueOf(d.getSeconds()).add(BigDecimal.valueOf(d.getNano(), 9)).stripTrailingZeros();
  }

  private int stepOf(Instant t) {
    int i = java.util.Arrays.binarySearch(bounds, t);
    int step = i >= 0 ? i : -i - 2;
    if (step < 0 || step >= steps.length) {
      throw new IllegalArgumentException("bucket " + t + " is outside the report steps");
    }
    return step;
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }

  /** Convenience: walks {@code rows} after {@code previous} and returns the steps. */
  public static StepUsage[] walk(
      Instant[] bounds, Duration maxGap, BucketRow previous, boolean endedSince, List<BucketRow> rows) {
    SeriesWalker w = new SeriesWalker(bounds, maxGap);
    w.previous(previous, endedSince);
    rows.forEach(w::add);
    return w.finish();
  }
}
