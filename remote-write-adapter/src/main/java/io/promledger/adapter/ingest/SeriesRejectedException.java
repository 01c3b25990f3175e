package io.promledger.adapter.ingest;

/** One series refused; the rest of its request is still stored. Cheap: no stack trace. */
public final class SeriesRejectedException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final RejectReason reason;

  public SeriesRejectedException(RejectReason reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  public RejectReason reason() {
    return reason;
  }
}
