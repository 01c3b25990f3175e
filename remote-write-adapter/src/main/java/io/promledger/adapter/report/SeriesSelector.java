package io.promledger.adapter.report;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A Prometheus-style series selector, {@code name{label="v", other=~"re.*"}}. Names and values
 * are only ever bound as SQL parameters and may not contain NUL; regular expressions are anchored
 * like PromQL's and limited to what {@link MatcherRegex} admits.
 */
public record SeriesSelector(List<LabelMatcher> matchers) {
  private static final Pattern METRIC = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

  /** One matcher; {@code __name__} matches the metric name. */
  public record LabelMatcher(String name, String op, String value) {}

  /** The metric name when the selector fixes it with an equality matcher, else null. */
  public String metricName() {
    for (LabelMatcher m : matchers) {
      if (m.name.equals("__name__") && m.op.equals("=")) {
        return m.value;
      }
    }
    return null;
  }

  public static SeriesSelector parse(String text) {
    String s = text.trim();
    List<LabelMatcher> matchers = new ArrayList<>();
    int i = 0;
    java.util.regex.Matcher m = METRIC.matcher(s);
    if (m.lookingAt()) {
      matchers.add(new LabelMatcher("__name__", "=", m.group()));
      i = m.end();
    }
    if (i < s.length()) {
      if (s.charAt(i) != '{' || s.charAt(s.length() - 1) != '}') {
        throw bad(text, "expected name{label=\"value\", ...}");
      }
      Cursor c = new Cursor(s.substring(i + 1, s.length() - 1), text);
      while (c.skipSpaces()) {
        String name = c.take(LABEL, "a label name");
        c.skipSpaces();
        String op = c.operator();
        c.skipSpaces();
        String value = c.quoted();
        if (value.indexOf('\0') >= 0) {
          throw bad(text, "the value for " + name + " contains a NUL character");
        }
        if (op.endsWith("~")) {
          try {
            Pattern.compile(value);
          } catch (PatternSyntaxException e) {
            throw bad(text, "invalid regular expression for " + name + ": " + e.getDescription());
          }
          String unsupported = MatcherRegex.unsupported(value);
          if (unsupported != null) {
            throw bad(text, "the regular expression for " + name + " uses " + unsupported + ", which is not supported");
          }
        }
        matchers.add(new LabelMatcher(name, op, value));
        c.skipSpaces();
        if (!c.comma()) {
          break;
        }
      }
      if (c.skipSpaces()) {
        throw bad(text, "unexpected '" + c.rest() + "'");
      }
    }
    if (matchers.isEmpty()) {
      throw bad(text, "it selects nothing; give a metric name or at least one matcher");
    }
    if (matchers.stream().allMatch(x -> matchesEmpty(x))) {
      throw bad(text, "it would select every series; add a matcher that does not match the empty string");
    }
    return new SeriesSelector(List.copyOf(matchers));
  }

  private static boolean matchesEmpty(LabelMatcher m) {
    return switch (m.op) {
      case "=" -> m.value.isEmpty();
      case "!=" -> !m.value.isEmpty();
      case "=~" -> Pattern.matches(m.value, "");
      default -> !Pattern.matches(m.value, "");
    };
  }

  static IllegalArgumentException bad(String text, String why) {
    return new IllegalArgumentException("invalid selector '" + text + "': " + why);
  }

  private static final class Cursor {
    private final String s;
    private final String text;
    private int i;

    Cursor(String s, String text) {
      this.s = s;
      this.text = text;
    }

    /** Skips blanks; true when something is left. */
    boolean skipSpaces() {
      while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
        i++;
      }
      return i < s.length();
    }

    String rest() {
      return s.substring(i);
    }

    String take(Pattern p, String what) {
      java.util.regex.Matcher m = p.matcher(s).region(i, s.length());
      if (!m.lookingAt()) {
        throw bad(text, "expected " + what + " at '" + rest() + "'");
      }
      i = m.end();
      return m.group();
    }

    String operator() {
      for (String op : new String[] {"=~", "!~", "!=", "="}) {
        if (s.startsWith(op, i)) {
          i += op.length();
          return op;
        }
      }
      throw bad(text, "expected =, !=, =~ or !~ at '" + rest() + "'");
    }

    boolean comma() {
      if (i < s.length() && s.charAt(i) == ',') {
        i++;
        return true;
      }
      return false;
    }

    String quoted() {
      if (i >= s.length() || (s.charAt(i) != '"' && s.charAt(i) != '\'')) {
        throw bad(text, "expected a quoted value at '" + rest() + "'");
      }
      char q = s.charAt(i++);
      StringBuilder b = new StringBuilder();
      while (i < s.length() && s.charAt(i) != q) {
        char ch = s.charAt(i++);
        if (ch == '\\' && i < s.length()) {
          char e = s.charAt(i++);
          b.append(switch (e) {
            case 'n' -> '\n';
            case 't' -> '\t';
            default -> e;
          });
        } else {
          b.append(ch);
        }
      }
      if (i >= s.length()) {
        throw bad(text, "unterminated quoted value");
      }
      i++;
      return b.toString();
    }
  }
}
