package io.promledger.adapter.retention;

import io.promledger.adapter.config.PromDuration;
import io.promledger.adapter.config.RetentionOptions;
import io.promledger.adapter.rollup.Resolution;
import java.time.Duration;

/**
 * How long each level is kept, checked against the late-data horizon. Every rollup level is
 * computed from the raw samples, so raw data must outlive the horizon by a whole day (partitions
 * are dropped by UTC day) and a coarser level is kept at least as long as a finer one.
 */
public record RetentionPolicy(Duration raw, Duration fiveMinutes, Duration hourly, Duration daily, Duration horizon) {

  public static RetentionPolicy of(RetentionOptions options, Duration horizon) {
    RetentionPolicy p = new RetentionPolicy(options.raw, options.fiveMinutes, options.hourly, options.daily, horizon);
    p.validate();
    return p;
  }

  /** Throws with one line naming the flags to change when this policy could lose data still needed. */
  public void validate() {
    if (horizon.isNegative() || horizon.isZero()) {
      throw new IllegalArgumentException("--rollup.late-data-horizon must be positive, got " + PromDuration.format(horizon));
    }
    Duration minRaw = horizon.plusDays(1);
    if (raw.compareTo(minRaw) < 0) {
      throw new IllegalArgumentException(
          "--retention.raw=" + PromDuration.format(raw) + " would drop raw samples that rollups still need: it must be at least"
              + " --rollup.late-data-horizon (" + PromDuration.format(horizon) + ") plus one day, i.e. "
              + PromDuration.format(minRaw) + "; raise --retention.raw or lower the horizon");
    }
    check("raw", raw, "5m", fiveMinutes);
    check("5m", fiveMinutes, "1h", hourly);
    check("1h", hourly, "1d", daily);
  }

  private static void check(String finer, Duration finerKeep, String coarser, Duration coarserKeep) {
    if (coarserKeep.compareTo(finerKeep) < 0) {
      throw new IllegalArgumentException(
          "--retention." + coarser + "=" + PromDuration.format(coarserKeep) + " is shorter than --retention." + finer + "="
              + PromDuration.format(finerKeep) + ": a coarser level must be kept at least as long as the finer one it replaces");
    }
  }

  public Duration of(Resolution level) {
    return switch (level) {
      case FIVE_MINUTES -> fiveMinutes;
      case HOUR -> hourly;
      case DAY -> daily;
    };
  }
}
