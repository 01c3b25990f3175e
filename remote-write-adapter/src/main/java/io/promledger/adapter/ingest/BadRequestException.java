package io.promledger.adapter.ingest;

/** A request that can never succeed as sent: answered with 400 and counted under {@code reason}. */
public final class BadRequestException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final RejectReason reason;

  public BadRequestException(RejectReason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public RejectReason reason() {
    return reason;
  }
}
