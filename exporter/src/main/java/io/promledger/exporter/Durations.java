package io.promledger.exporter;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Prometheus-style durations: {@code 500ms}, {@code 2s}, {@code 1m}, {@code 1h}. */
final class Durations {
  private static final Pattern FORMAT = Pattern.compile("(\\d+)(ms|s|m|h)");

  private Durations() {}

  static Duration parse(String flag, String value) {
    Matcher m = FORMAT.matcher(value == null ? "" : value.trim());
    if (!m.matches()) {
      throw new ConfigException(flag + " must be a duration such as 500ms, 2s or 1m; got '" + value + "'");
    }
    long n = Long.parseLong(m.group(1));
    Duration d = switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofHours(n);
    };
    if (d.isZero()) {
      throw new ConfigException(flag + " must be longer than 0");
    }
    return d;
  }
}
