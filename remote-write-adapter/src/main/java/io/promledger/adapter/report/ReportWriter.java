package io.promledger.adapter.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders a report as CSV (RFC 4180) or JSON; step bounds are written in the report's zone.
 *
 * <p>CSV reports are opened in spreadsheets, which run a cell that starts with {@code =}, {@code
 * +}, {@code -}, {@code @}, a tab or a carriage return as a formula. Label values come from the
 * monitored systems, so in CSV a group value starting with one of those is written as OWASP
 * recommends against formula injection: prefixed with a single quote and quoted, e.g. {@code
 * =HYPERLINK(1)} as {@code "'=HYPERLINK(1)"}, which a spreadsheet shows as text. A value that
 * itself starts with a single quote gets one more, so a reader that wants the label values back
 * drops one leading single quote wherever there is one. JSON reports carry every value exactly.
 */
public final class ReportWriter {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private ReportWriter() {}

  public static byte[] render(Report report) {
    return switch (report.request().format()) {
      case CSV -> csv(report).getBytes(StandardCharsets.UTF_8);
      case JSON -> json(report);
    };
  }

  public static String contentType(ReportRequest.Format format) {
    return format == ReportRequest.Format.CSV ? "text/csv; charset=utf-8" : "application/json";
  }

  static String csv(Report report) {
    StringBuilder b = new StringBuilder();
    List<String> header = new ArrayList<>(List.of("step_start", "step_end", "meter", "aggregation"));
    header.addAll(report.request().groupBy());
    header.addAll(List.of("value", "unit"));
    if (report.currency() != null) {
      header.addAll(List.of("cost", "currency"));
    }
    header.addAll(List.of("status", "levels"));
    line(b, header);
    ZoneId zone = report.request().zone();
    for (Report.Row r : report.rows()) {
      List<String> cells = new ArrayList<>(List.of(time(r.stepStart(), zone), time(r.stepEnd(), zone), r.meter(), r.aggregation()));
      for (String g : report.request().groupBy()) {
        cells.add(neutralised(r.group().get(g)));
      }
      cells.add(plain(r.value()));
      cells.add(r.unit());
      if (report.currency() != null) {
        cells.add(plain(r.cost()));
        cells.add(report.currency());
      }
      cells.add(r.provisional() ? "provisional" : "final");
      cells.add(r.levels());
      line(b, cells);
    }
    return b.toString();
  }

  private static byte[] json(Report report) {
    ZoneId zone = report.request().zone();
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("from", time(report.request().from(), zone));
    root.put("to", time(report.request().to(), zone));
    root.put("zone", zone.getId());
    root.put("step", report.request().step().toString());
    root.put("status", report.status());
    root.put("levels", report.levels());
    root.put("data_watermark", report.dataWatermark().toString());
    if (report.currency() != null) {
      root.put("currency", report.currency());
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    for (Report.Row r : report.rows()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("step_start", time(r.stepStart(), zone));
      m.put("step_end", time(r.stepEnd(), zone));
      m.put("meter", r.meter());
      m.put("aggregation", r.aggregation());
      m.put("group", r.group());
      // Decimal strings: JSON numbers would be read back as binary floating point.
      m.put("value", r.value() == null ? null : plain(r.value()));
      m.put("unit", r.unit());
      if (report.currency() != null) {
        m.put("cost", plain(r.cost()));
      }
      m.put("approximate", r.approximate());
      m.put("status", r.provisional() ? "provisional" : "final");
      m.put("levels", r.levels());
      rows.add(m);
    }
    root.put("rows", rows);
    try {
      return JSON.writeValueAsBytes(root);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String time(Instant t, ZoneId zone) {
    return DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(t.atZone(zone));
  }

  private static String plain(BigDecimal d) {
    return d == null ? "" : d.toPlainString();
  }

  /** A CSV cell a spreadsheet reads as text, not as a formula; marked by quotes that {@link #line} keeps. */
  static String neutralised(String value) {
    if (value == null || value.isEmpty() || "=+-@\t\r'".indexOf(value.charAt(0)) < 0) {
      return value;
    }
    return "'" + value;
  }

  private static void line(StringBuilder b, List<String> cells) {
    for (int i = 0; i < cells.size(); i++) {
      if (i > 0) {
        b.append(',');
      }
      String c = cells.get(i) == null ? "" : cells.get(i);
      if (c.contains(",") || c.contains("\"") || c.contains("\n") || c.contains("\r") || c.startsWith("'")) {
        b.append('"').append(c.replace("\"", "\"\"")).append('"');
      } else {
        b.append(c);
      }
    }
    b.append("\r\n");
  }
}
