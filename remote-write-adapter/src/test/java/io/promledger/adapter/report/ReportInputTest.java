package io.promledger.adapter.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Checks of a report's input that need no database. */
class ReportInputTest {
  @Test
  void sqlStatesOfTheUsersInputAndOfAnUnavailableDatabase() {
    for (String state : new String[] {"2201B", "22021", "22008", "42601", "42P01", "54001"}) {
      assertEquals(ReportFailure.INPUT, ReportFailure.of(new SQLException("x", state)), state);
    }
    for (String state : new String[] {"08006", "08001", "53300", "57P01", "57014", "40001", "40P01"}) {
      assertEquals(ReportFailure.UNAVAILABLE, ReportFailure.of(new SQLException("x", state)), state);
    }
    assertEquals(ReportFailure.INTERNAL, ReportFailure.of(new SQLException("x", "XX000")));
    assertEquals(ReportFailure.INTERNAL, ReportFailure.of(new SQLException("unreadable labels")));
    assertEquals(ReportFailure.UNAVAILABLE, ReportFailure.of(new SQLTransientConnectionException("pool timed out")));
    assertEquals(ReportFailure.INPUT,
        ReportFailure.of(new SQLException("wrapped", null, new SQLException("bad regex", "2201B"))));
    assertEquals("ERROR: x", ReportFailure.oneLine(new SQLException("ERROR: x\n  Position: 3")));
  }

  @Test
  void regexConstructsBothPromqlAndPostgresqlReadAlikeAreAccepted() {
    for (String re : new String[] {"api|web", "(?i)API", "(?is)a.b", "[[:alpha:]_]+", "a{2,255}", "a{3}", ".*?x",
        "\\.\\*\\[", "[^\\d\\s\\w-]", "(a|b)+", "(?:x)?y", "\\t\\n", "[]a]"}) {
      assertNull(MatcherRegex.unsupported(re), re);
    }
    assertEquals("(?i)^(?:API)$", MatcherRegex.anchored("(?i)API"));
    assertEquals("^(?:a|b)$", MatcherRegex.anchored("a|b"));
    assertEquals("^(?:(?i:a))$", MatcherRegex.anchored("(?i:a)"));
  }

  @Test
  void regexConstructsPostgresqlDoesNotReadAsPromqlAreNamed() {
    String[][] cases = {
      {"(?<n>1)", "named groups (?<name>...)"},
      {"1*+", "possessive quantifiers such as *+"},
      {"a{2}+", "possessive quantifiers such as *+"},
      {"\\p{L}+", "Unicode classes \\p{...}"},
      {"\\Q)|(.*\\E", "quoting with \\Q...\\E (escape each character instead)"},
      {"a(?=b)", "lookahead (?=...) and (?!...)"},
      {"(?<!a)b", "lookbehind (?<=...) and (?<!...)"},
      {"(?>a)", "atomic groups (?>...)"},
      {"(a)\\1", "backreferences and octal escapes \\1"},
      {"\\bword", "word boundaries \\b"},
      {"\\Aa", "the anchor \\A (matchers are anchored already)"},
      {"\\x41", "hexadecimal escapes \\x (write the character itself)"},
      {"\\h", "the escape \\h"},
      {"[a[b]]", "nested character classes [...[...]...]"},
      {"[a-z&&[^x]]", "class intersections &&"},
      {"[a-z&&b]", "class intersections &&"},
      {"[\\D]", "\\D inside [...]"},
      {"a{256}", "repetition counts above 255"},
      {"a(?i)b", "inline flags other than a leading (?i) or (?s)"},
      {"(?m)^a", "inline flags other than a leading (?i) or (?s)"},
    };
    for (String[] c : cases) {
      assertEquals(c[1], MatcherRegex.unsupported(c[0]), c[0]);
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SeriesSelector.parse("x{a=~\"1*+\"}"));
    assertEquals("invalid selector 'x{a=~\"1*+\"}': the regular expression for a uses possessive quantifiers such as *+,"
        + " which is not supported", e.getMessage());
  }

  @Test
  void boundsOutsideTheYears1970To9999AreRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> request("1969-12-31", "1970-02", "UTC"));
    assertEquals("from '1969-12-31' is outside the years 1970 to 9999 that reports cover", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> request("2026-03", "253402300800", "UTC"));
    assertEquals("to '253402300800' is outside the years 1970 to 9999 that reports cover", e.getMessage());
    // the first month in a zone east of UTC starts in 1969 in UTC
    assertEquals(Instant.parse("1969-12-31T23:00:00Z"), request("1970-01", "1970-02", "Europe/Berlin").from());
    assertEquals(Instant.parse("9999-12-31T23:59:59Z"), request("2026-03", "9999-12-31T23:59:59Z", "UTC").to());
    e = assertThrows(IllegalArgumentException.class, () -> ReportRequest.of("a\u0000", "2026-03", "2026-04", "UTC", null,
        List.of("increase:x"), List.of(), null, null));
    assertEquals("the tenant contains a NUL character", e.getMessage());
  }

  private static ReportRequest request(String from, String to, String zone) {
    return ReportRequest.of("default", from, to, zone, null, List.of("increase:x"), List.of(), null, null);
  }

  @Test
  void csvCellsThatSpreadsheetsRunAsFormulasAreQuotedText() {
    ReportRequest req = ReportRequest.of("default", "2026-03-01", "2026-03-02", "UTC", null, List.of("increase:x"),
        List.of("ns"), "csv", null);
    List<String> values = List.of("=HYPERLINK(1)", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "'q", "a=b", "");
    List<Report.Row> rows = new ArrayList<>();
    for (String v : values) {
      rows.add(new Report.Row(req.from(), req.to(), "x", "increase", Map.of("ns", v), BigDecimal.ONE, "", null, false,
          false, "5m"));
    }
    Report report = new Report(req, List.of("5m"), req.to(), false, null, rows);
    String prefix = "2026-03-01T00:00:00Z,2026-03-02T00:00:00Z,x,increase,";
    assertEquals("step_start,step_end,meter,aggregation,ns,value,unit,status,levels\r\n"
        + prefix + "\"'=HYPERLINK(1)\",1,,final,5m\r\n"
        + prefix + "\"'+1\",1,,final,5m\r\n"
        + prefix + "\"'-1\",1,,final,5m\r\n"
        + prefix + "\"'@SUM(A1)\",1,,final,5m\r\n"
        + prefix + "\"'\tx\",1,,final,5m\r\n"
        + prefix + "\"'\rx\",1,,final,5m\r\n"
        + prefix + "\"''q\",1,,final,5m\r\n"
        + prefix + "a=b,1,,final,5m\r\n"
        + prefix + ",1,,final,5m\r\n", ReportWriter.csv(report));
    Report json = new Report(new ReportRequest(req.tenant(), req.from(), req.to(), req.zone(), req.step(), req.meters(),
        req.groupBy(), ReportRequest.Format.JSON, null), List.of("5m"), req.to(), false, null, rows.subList(0, 1));
    String body = new String(ReportWriter.render(json), java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(1, body.split("\"ns\" : \"=HYPERLINK\\(1\\)\"", -1).length - 1, body);
  }
}
