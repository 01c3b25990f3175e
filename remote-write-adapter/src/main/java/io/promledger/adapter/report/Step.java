package io.promledger.adapter.report;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Report step: local hours, days or calendar months of the report's time zone, or the whole range. */
public enum Step {
  HOUR,
  DAY,
  MONTH,
  RANGE;

  public static Step parse(String s) {
    try {
      return valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown step '" + s + "'; use hour, day, month or range");
    }
  }

  /**
   * The step boundaries from {@code from} to {@code to} (both included). Days and months follow
   * the zone's calendar, so a day across a DST change lasts 23 or 25 hours; the first and last
   * steps are cut at the range bounds. More than {@code maxSteps} steps are refused before they
   * are made.
   */
  public List<Instant> bounds(Instant from, Instant to, ZoneId zone, int maxSteps) {
    List<Instant> out = new ArrayList<>();
    out.add(from);
    if (this != RANGE) {
      ZonedDateTime t = truncate(from.atZone(zone));
      while (true) {
        t = next(t);
        Instant i = t.toInstant();
        if (!i.isBefore(to)) {
          break;
        }
        if (i.isAfter(from)) {
          if (out.size() >= maxSteps) {
            throw new IllegalArgumentException("the report would have more than " + maxSteps + " " + this
                + " steps, the most allowed; narrow from and to or use a coarser step");
          }
          out.add(i);
        }
      }
    }
    out.add(to);
    return out;
  }

  private ZonedDateTime truncate(ZonedDateTime t) {
    return switch (this) {
      case HOUR -> t.truncatedTo(ChronoUnit.HOURS);
      case DAY -> t.toLocalDate().atStartOfDay(t.getZone());
      default -> t.toLocalDate().withDayOfMonth(1).atStartOfDay(t.getZone());
    };
  }

  private ZonedDateTime next(ZonedDateTime t) {
    return switch (this) {
      case HOUR -> t.plusHours(1);
      case DAY -> t.toLocalDate().plusDays(1).atStartOfDay(t.getZone());
      default -> t.toLocalDate().withDayOfMonth(1).plusMonths(1).atStartOfDay(t.getZone());
    };
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
