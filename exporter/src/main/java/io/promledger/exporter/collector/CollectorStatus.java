package io.promledger.exporter.collector;

/**
 * The health of one source, written with its samples: {@code promledger_exporter_collector_up},
 * {@code promledger_exporter_collector_errors_total} and {@code
 * promledger_exporter_collector_duration_seconds}, each labelled {@code collector}.
 */
public final class CollectorStatus {
  private final String collector;
  private long errors;
  private boolean up;
  private double durationSeconds;

  public CollectorStatus(String collector) {
    this.collector = collector;
  }

  /** Records the outcome of one run of the collector. */
  public synchronized void finished(boolean ok, int errorCount, double seconds) {
    this.up = ok;
    this.errors += errorCount;
    this.durationSeconds = seconds;
  }

  public synchronized void writeTo(Families f) {
    f.gauge(
        "promledger_exporter_collector_up",
        "1 if the collector's last run got all its data, else 0.",
        up ? 1 : 0,
        "collector",
        collector);
    f.counter(
        "promledger_exporter_collector_errors",
        "Errors met by the collector: failed queries, failed API calls, unusable rows.",
        errors,
        "collector",
        collector);
    f.gauge(
        "promledger_exporter_collector_duration_seconds",
        "How long the collector's last run took.",
        durationSeconds,
        "collector",
        collector);
  }
}
