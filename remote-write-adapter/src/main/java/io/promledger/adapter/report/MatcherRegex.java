package io.promledger.adapter.report;

/**
 * Label-matcher regular expressions are PromQL's (RE2, fully anchored) but are evaluated by
 * PostgreSQL's {@code ~} (Spencer AREs). This admits the syntax both read alike and refuses the
 * rest with a message naming the construct, so that a pattern is never sent that the database
 * would reject or read differently: lookaround, atomic and named groups, possessive quantifiers,
 * backreferences, {@code \Q...\E}, Unicode classes {@code \p{..}}, {@code \b}, {@code \A}, {@code
 * \z}, hexadecimal and other letter escapes, nested classes and class intersections, repetition
 * counts above 255 and inline flags other than a leading {@code (?i)} / {@code (?s)}. As in
 * Prometheus, which compiles {@code ^(?s:re)$}, {@code .} matches a newline too; that is also the
 * default of PostgreSQL's {@code ~}. The pattern must already compile as a Java regex.
 */
final class MatcherRegex {
  private static final int MAX_REPEAT = 255;
  private static final String CLASS_ESCAPES = "dDsSwW";
  private static final String CHAR_ESCAPES = "tnrfva";

  private final String re;
  private int i;

  private MatcherRegex(String re) {
    this.re = re;
  }

  /** The pattern for PostgreSQL's {@code ~}: leading flags first, then the anchored pattern. */
  static String anchored(String re) {
    int flags = leadingFlagsEnd(re);
    return re.substring(0, flags) + "^(?:" + re.substring(flags) + ")$";
  }

  /** Null when the pattern is accepted, else what is not supported. */
  static String unsupported(String re) {
    MatcherRegex m = new MatcherRegex(re);
    m.i = leadingFlagsEnd(re);
    return m.scan();
  }

  /** The end of a leading {@code (?i)}, {@code (?s)} or {@code (?is)}, else 0. */
  private static int leadingFlagsEnd(String re) {
    if (!re.startsWith("(?")) {
      return 0;
    }
    int j = 2;
    while (j < re.length() && (re.charAt(j) == 'i' || re.charAt(j) == 's')) {
      j++;
    }
    return j > 2 && j < re.length() && re.charAt(j) == ')' ? j + 1 : 0;
  }

  private String scan() {
    while (i < re.length()) {
      char c = re.charAt(i);
      String why = switch (c) {
        case '\\' -> escape(false);
        case '[' -> bracket();
        case '(' -> group();
        case '*', '+', '?' -> quantifier(i + 1);
        case '{' -> repeat();
        default -> {
          i++;
          yield null;
        }
      };
      if (why != null) {
        return why;
      }
    }
    return null;
  }

  private String escape(boolean inBracket) {
    char e = i + 1 < re.length() ? re.charAt(i + 1) : '\\';
    i += 2;
    if (CLASS_ESCAPES.indexOf(e) >= 0) {
      return inBracket && Character.isUpperCase(e) ? "\\" + e + " inside [...]" : null;
    }
    if (CHAR_ESCAPES.indexOf(e) >= 0 || (e < 128 && !Character.isLetterOrDigit(e))) {
      return null;
    }
    return switch (e) {
      case 'b', 'B' -> "word boundaries \\" + e;
      case 'A', 'z', 'Z', 'G' -> "the anchor \\" + e + " (matchers are anchored already)";
      case 'p', 'P' -> "Unicode classes \\" + e + "{...}";
      case 'Q', 'E' -> "quoting with \\Q...\\E (escape each character instead)";
      case 'x' -> "hexadecimal escapes \\x (write the character itself)";
      default -> Character.isDigit(e) ? "backreferences and octal escapes \\" + e : "the escape \\" + e;
    };
  }

  private String bracket() {
    i++;
    if (i < re.length() && re.charAt(i) == '^') {
      i++;
    }
    if (i < re.length() && re.charAt(i) == ']') {
      i++;
    }
    while (i < re.length() && re.charAt(i) != ']') {
      char c = re.charAt(i);
      if (c == '\\') {
        String why = escape(true);
        if (why != null) {
          return why;
        }
      } else if (c == '[') {
        if (re.startsWith("[:", i)) {
          int end = re.indexOf(":]", i + 2);
          if (end > 0) {
            i = end + 2;
            continue;
          }
        }
        return "nested character classes [...[...]...]";
      } else if (re.startsWith("&&", i)) {
        return "class intersections &&";
      } else {
        i++;
      }
    }
    i++;
    return null;
  }

  private String group() {
    if (!re.startsWith("(?", i)) {
      i++;
      return null;
    }
    if (re.startsWith("(?:", i)) {
      i += 3;
      return null;
    }
    if (re.startsWith("(?=", i) || re.startsWith("(?!", i)) {
      return "lookahead (?=...) and (?!...)";
    }
    if (re.startsWith("(?<=", i) || re.startsWith("(?<!", i)) {
      return "lookbehind (?<=...) and (?<!...)";
    }
    if (re.startsWith("(?<", i) || re.startsWith("(?P<", i)) {
      return "named groups (?<name>...)";
    }
    if (re.startsWith("(?>", i)) {
      return "atomic groups (?>...)";
    }
    return "inline flags other than a leading (?i) or (?s)";
  }

  /** After a quantifier ending before {@code next}: a lazy {@code ?} is fine, a possessive {@code +} is not. */
  private String quantifier(int next) {
    i = next;
    if (i < re.length() && re.charAt(i) == '?') {
      i++;
    } else if (i < re.length() && re.charAt(i) == '+') {
      return "possessive quantifiers such as *+";
    }
    return null;
  }

  private String repeat() {
    int end = re.indexOf('}', i);
    if (end < 0) {
      i++;
      return null;
    }
    for (String n : re.substring(i + 1, end).split(",", -1)) {
      String d = n.strip();
      if (!d.isEmpty() && d.chars().allMatch(Character::isDigit) && (d.length() > 3 || Integer.parseInt(d) > MAX_REPEAT)) {
        return "repetition counts above " + MAX_REPEAT;
      }
    }
    return quantifier(end + 1);
  }
}
