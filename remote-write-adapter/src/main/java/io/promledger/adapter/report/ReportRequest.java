package io.promledger.adapter.report;

import io.promledger.adapter.rollup.Resolution;
import java.time.Instant;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** What a report is asked for; built from command-line flags or HTTP query parameters. */
public record ReportRequest(
    String tenant,
    Instant from,
    Instant to,
    ZoneId zone,
    Step step,
    List<Meter> meters,
    List<String> groupBy,
    Format format,
    Resolution level) {
  private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

  /** Output formats. */
  public enum Format {
    CSV,
    JSON
  }

  /** Builds and validates a request from its textual parts; {@code level} may be null (automatic). */
  public static ReportRequest of(
      String tenant, String from, String to, String zone, String step, List<String> meters, List<String> groupBy,
      String format, String level) {
    if (from == null || to == null) {
      throw new IllegalArgumentException("from and to are required, e.g. from=2026-03 to=2026-04");
    }
    if (meters == null || meters.isEmpty()) {
      throw new IllegalArgumentException("at least one meter is required, e.g. meter=increase:http_requests_total");
    }
    if (tenant != null && tenant.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("the tenant contains a NUL character");
    }
    ZoneId z = ReportTime.zone(zone == null ? "UTC" : zone);
    Instant f = ReportTime.parse(from, z, "from");
    Instant t = ReportTime.parse(to, z, "to");
    if (!f.isBefore(t)) {
      throw new IllegalArgumentException("from must be before to");
    }
    for (String g : groupBy) {
      if (!LABEL.matcher(g).matches()) {
        throw new IllegalArgumentException("group_by '" + g + "' is not a label name");
      }
    }
    Format fmt;
    try {
      fmt = Format.valueOf((format == null ? "csv" : format).trim().toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown format '" + format + "'; use csv or json");
    }
    return new ReportRequest(
        tenant == null || tenant.isBlank() ? "default" : tenant,
        f,
        t,
        z,
        step == null ? Step.RANGE : Step.parse(step),
        meters.stream().map(Meter::parse).toList(),
        List.copyOf(groupBy),
        fmt,
        level == null || level.isBlank() || level.equals("auto") ? null : Resolution.parse(level));
  }

  /** The inputs as recorded with the report run. */
  Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("tenant", tenant);
    m.put("from", from.toString());
    m.put("to", to.toString());
    m.put("zone", zone.getId());
    m.put("step", step.toString());
    m.put("meters", meters.stream().map(Meter::text).toList());
    m.put("group_by", groupBy);
    m.put("format", format.name().toLowerCase(java.util.Locale.ROOT));
    m.put("level", level == null ? "auto" : level.label());
    return m;
  }
}
