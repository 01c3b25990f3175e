package io.promledger.exporter.collector;

import java.time.Duration;
import java.util.Optional;

/**
 * The time Prometheus gives the current scrape, from its {@code X-Prometheus-Scrape-Timeout-Seconds}
 * header, so that a collector can stop before Prometheus gives up on the whole answer. The registry
 * runs collectors on the thread that serves the request, which is where this is set.
 */
public final class ScrapeTimeout {
  public static final String HEADER = "X-Prometheus-Scrape-Timeout-Seconds";

  private static final ThreadLocal<Duration> CURRENT = new ThreadLocal<>();

  private ScrapeTimeout() {}

  /** Runs {@code scrape} with the budget the header gives (90 % of it, for writing the answer). */
  public static <E extends Exception> void within(String header, ThrowingRunnable<E> scrape) throws E {
    Duration budget = parse(header);
    if (budget == null) {
      scrape.run();
      return;
    }
    CURRENT.set(budget);
    try {
      scrape.run();
    } finally {
      CURRENT.remove();
    }
  }

  /** The budget of the scrape being served on this thread, if Prometheus sent one. */
  public static Optional<Duration> current() {
    return Optional.ofNullable(CURRENT.get());
  }

  static Duration parse(String header) {
    if (header == null) {
      return null;
    }
    try {
      double seconds = Double.parseDouble(header.trim());
      if (!(seconds > 0) || Double.isInfinite(seconds)) {
        return null;
      }
      return Duration.ofNanos((long) (seconds * 0.9 * 1e9));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** A piece of work that may throw {@code E}. */
  @FunctionalInterface
  public interface ThrowingRunnable<E extends Exception> {
    void run() throws E;
  }
}
