package io.promledger.adapter.rollup;

import java.time.Duration;
import java.time.Instant;

/** The rollup levels; buckets are aligned on the Unix epoch, so days are UTC days. */
public enum Resolution {
  FIVE_MINUTES(300, "5m", "rollup_5m"),
  HOUR(3600, "1h", "rollup_1h"),
  DAY(86400, "1d", "rollup_1d");

  private final int seconds;
  private final String label;
  private final String table;

  Resolution(int seconds, String label, String table) {
    this.seconds = seconds;
    this.label = label;
    this.table = table;
  }

  /** Width in seconds, as stored in {@code rollup_dirty.resolution}. */
  public int seconds() {
    return seconds;
  }

  public Duration width() {
    return Duration.ofSeconds(seconds);
  }

  /** {@code 5m}, {@code 1h} or {@code 1d}: the value of the {@code resolution} metric label. */
  public String label() {
    return label;
  }

  /** The table of this level; a constant, never built from user input. */
  public String table() {
    return table;
  }

  public Instant floor(Instant t) {
    long s = Math.floorDiv(t.getEpochSecond(), seconds) * seconds;
    return Instant.ofEpochSecond(s);
  }

  public Instant ceil(Instant t) {
    Instant f = floor(t);
    return f.equals(t) ? f : f.plusSeconds(seconds);
  }

  public boolean isAligned(Instant t) {
    return t.getNano() == 0 && Math.floorMod(t.getEpochSecond(), seconds) == 0;
  }

  public static Resolution parse(String label) {
    for (Resolution r : values()) {
      if (r.label.equals(label)) {
        return r;
      }
    }
    throw new IllegalArgumentException("unknown rollup level '" + label + "'; use 5m, 1h or 1d");
  }
}
