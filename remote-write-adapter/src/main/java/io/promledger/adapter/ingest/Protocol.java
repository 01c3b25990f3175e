package io.promledger.adapter.ingest;

/** The remote-write protocol version of a request, chosen from its Content-Type. */
public enum Protocol {
  V1("1.0"),
  V2("2.0");

  private final String label;

  Protocol(String label) {
    this.label = label;
  }

  /** The value of the {@code protocol} label on the adapter's metrics. */
  public String label() {
    return label;
  }
}
