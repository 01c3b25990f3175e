package io.promledger.adapter.rollup;

import java.math.BigDecimal;

/** Mergeable usage of one step: of one series, or summed over the series of a group. */
public final class StepUsage {
  BigDecimal increase = BigDecimal.ZERO;
  int resets;
  /** Gauge time integral in value-seconds. */
  BigDecimal integral = BigDecimal.ZERO;
  BigDecimal sum = BigDecimal.ZERO;
  long count;
  double min = Double.POSITIVE_INFINITY;
  double max = Double.NEGATIVE_INFINITY;
  final Sketch sketch = new Sketch();
  /** Bucket rows (series x bucket) that contributed samples; with one, its exact p95 holds. */
  int cells;
  Double singleCellP95;

  public BigDecimal increase() {
    return increase;
  }

  public int resets() {
    return resets;
  }

  public BigDecimal integralSeconds() {
    return integral;
  }

  public BigDecimal sum() {
    return sum;
  }

  public long count() {
    return count;
  }

  public Double min() {
    return count == 0 ? null : min;
  }

  public Double max() {
    return count == 0 ? null : max;
  }

  /** Nearest-rank quantile: exact from one bucket's raw samples for p95, else from the sketch. */
  public Double quantile(double q) {
    if (count == 0) {
      return null;
    }
    if (cells == 1 && q == 0.95 && singleCellP95 != null) {
      return singleCellP95;
    }
    return sketch.quantile(q, min, max);
  }

  /** True when the quantile comes from the sketch (within {@link Sketch#ALPHA} relative error). */
  public boolean quantileIsApproximate(double q) {
    return !(cells == 1 && q == 0.95 && singleCellP95 != null);
  }

  void addRow(BucketRow r) {
    increase = increase.add(r.increase());
    resets += r.resets();
    integral = integral.add(r.integral());
    if (r.hasSamples()) {
      sum = sum.add(r.sum());
      count += r.count();
      min = Math.min(min, r.min());
      max = Math.max(max, r.max());
      sketch.add(r.sketch());
      cells++;
      singleCellP95 = r.p95();
    }
  }

  public void add(StepUsage o) {
    increase = increase.add(o.increase);
    resets += o.resets;
    integral = integral.add(o.integral);
    sum = sum.add(o.sum);
    count += o.count;
    min = Math.min(min, o.min);
    max = Math.max(max, o.max);
    sketch.add(o.sketch.counts());
    cells += o.cells;
    singleCellP95 = o.singleCellP95;
  }
}
