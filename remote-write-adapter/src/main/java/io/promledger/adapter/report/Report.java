package io.promledger.adapter.report;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A computed report: one row per meter, group and step, and what it was computed from. */
public record Report(
    ReportRequest request,
    List<String> levels,
    Instant dataWatermark,
    boolean provisional,
    String currency,
    List<Row> rows) {

  /** One row; value is null when the step has no samples for a non-additive aggregation. */
  public record Row(
      Instant stepStart,
      Instant stepEnd,
      String meter,
      String aggregation,
      Map<String, String> group,
      BigDecimal value,
      String unit,
      BigDecimal cost,
      boolean approximate,
      boolean provisional,
      String levels) {}

  public String status() {
    return provisional ? "provisional" : "final";
  }
}
