package io.promledger.adapter.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Sizes such as {@code 32MiB}, {@code 512KiB}, {@code 1GB} or a plain number of bytes. */
public final class ByteSize {
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmgt]i?b?|b)?");

  private ByteSize() {}

  public static long parse(String text) {
    Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + text + "' is not a size; use e.g. 32MiB, 512KiB or 1048576");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "b" : m.group(2);
    boolean binary = unit.contains("i");
    long base = binary ? 1024 : 1000;
    return switch (unit.charAt(0)) {
      case 'k' -> n * base;
      case 'm' -> n * base * base;
      case 'g' -> n * base * base * base;
      case 't' -> n * base * base * base * base;
      default -> n;
    };
  }

  /** picocli converter. */
  public static final class Converter implements picocli.CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      try {
        return parse(value);
      } catch (IllegalArgumentException e) {
        // picocli then prints just this message after the option name
        throw new picocli.CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
}
