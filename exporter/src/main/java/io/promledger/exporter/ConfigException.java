package io.promledger.exporter;

/** A configuration problem, with a one-line message meant for the user. */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }
}
