package io.promledger.adapter.report;

/**
 * The most work a report may ask for, checked before any of it is done: steps in the range, and
 * rows (steps x groups, summed over meters and metrics). A request above either is refused as
 * the user's input, with what to narrow.
 */
public record ReportLimits(int maxSteps, long maxRows) {
  public static final int DEFAULT_MAX_STEPS = 100_000;
  public static final long DEFAULT_MAX_ROWS = 1_000_000;
  public static final ReportLimits DEFAULT = new ReportLimits(DEFAULT_MAX_STEPS, DEFAULT_MAX_ROWS);

  public ReportLimits {
    if (maxSteps < 1 || maxRows < 1) {
      throw new IllegalArgumentException("report limits must be at least 1; got max steps " + maxSteps + ", max rows " + maxRows);
    }
  }

  void checkRows(long rows, String what) {
    if (rows > maxRows) {
      throw new IllegalArgumentException("the report would have " + rows + " " + what + ", more than the "
          + maxRows + " allowed; narrow from and to, use a coarser step or group by fewer labels");
    }
  }
}
