package io.promledger.adapter.config;

/** {@code host:port} as Prometheus writes it; {@code :9201} listens on every interface. */
public record ListenAddress(String host, int port) {
  public static ListenAddress parse(String text) {
    int colon = text.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("--web.listen-address must be host:port or :port, got '" + text + "'");
    }
    String host = text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--web.listen-address has no valid port: '" + text + "'");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("--web.listen-address port must be 0-65535, got " + port);
    }
    return new ListenAddress(host.isEmpty() ? "0.0.0.0" : host, port);
  }

  /** picocli converter. */
  public static final class Converter implements picocli.CommandLine.ITypeConverter<ListenAddress> {
    @Override
    public ListenAddress convert(String value) {
      try {
        return parse(value);
      } catch (IllegalArgumentException e) {
        // picocli then prints just this message after the option name
        throw new picocli.CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
}
