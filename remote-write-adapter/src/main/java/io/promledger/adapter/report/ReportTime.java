package io.promledger.adapter.report;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * Parses report bounds: a month (2026-03), a day (2026-03-29) in the report zone, RFC 3339, or Unix
 * seconds. A bound must lie in the years 1970 to 9999, in UTC or in the report zone: well inside
 * what PostgreSQL's timestamptz holds, and refused here rather than by the database.
 */
final class ReportTime {
  private ReportTime() {}

  static final int FIRST_YEAR = 1970;
  static final int LAST_YEAR = 9999;

  static Instant parse(String text, ZoneId zone, String flag) {
    Instant t = parseAny(text, zone, flag);
    if (!inYears(t, ZoneOffset.UTC) && !inYears(t, zone)) {
      throw new IllegalArgumentException(
          flag + " '" + text + "' is outside the years " + FIRST_YEAR + " to " + LAST_YEAR + " that reports cover");
    }
    return t;
  }

  private static boolean inYears(Instant t, ZoneId zone) {
    int year = t.atZone(zone).getYear();
    return year >= FIRST_YEAR && year <= LAST_YEAR;
  }

  private static Instant parseAny(String text, ZoneId zone, String flag) {
    String s = text.trim();
    try {
      if (s.matches("\\d{4}-\\d{2}")) {
        return YearMonth.parse(s).atDay(1).atStartOfDay(zone).toInstant();
      }
      if (s.matches("\\d{4}-\\d{2}-\\d{2}")) {
        return LocalDate.parse(s).atStartOfDay(zone).toInstant();
      }
      if (s.matches("\\d+(\\.\\d+)?")) {
        return Instant.ofEpochMilli(new java.math.BigDecimal(s).movePointRight(3).longValueExact());
      }
      return OffsetDateTime.parse(s).toInstant();
    } catch (DateTimeException | ArithmeticException e) {
      throw new IllegalArgumentException(
          flag + " '" + text + "' is not a time; use 2026-03, 2026-03-29, 2026-03-29T10:00:00Z or Unix seconds");
    }
  }

  static ZoneId zone(String text) {
    try {
      return ZoneId.of(text.trim());
    } catch (DateTimeException e) {
      throw new IllegalArgumentException("unknown time zone '" + text + "'; use an IANA name such as Europe/Berlin or UTC");
    }
  }
}
