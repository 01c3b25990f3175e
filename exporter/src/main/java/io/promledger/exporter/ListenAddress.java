package io.promledger.exporter;

/** {@code [host]:port}, as Prometheus exporters take it; no host means every interface. */
record ListenAddress(String host, int port) {
  static ListenAddress parse(String value) {
    int colon = value == null ? -1 : value.lastIndexOf(':');
    if (colon < 0) {
      throw new ConfigException("--web.listen-address must be [host]:port, e.g. :9188; got '" + value + "'");
    }
    String host = value.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(value.substring(colon + 1));
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 0 || port > 65535) {
      throw new ConfigException("--web.listen-address has no valid port: '" + value + "'");
    }
    return new ListenAddress(host.isEmpty() ? "0.0.0.0" : host, port);
  }
}
