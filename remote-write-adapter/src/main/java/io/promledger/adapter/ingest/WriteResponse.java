package io.promledger.adapter.ingest;

/** What the write endpoint answers, with the remote-write 2.0 Written counts. */
public record WriteResponse(
    int status, String body, long samplesWritten, long histogramsWritten, long exemplarsWritten, int retryAfterSeconds) {

  public static WriteResponse unavailable(String message) {
    return new WriteResponse(503, message, 0, 0, 0, 1);
  }

  public static WriteResponse badRequest(String message) {
    return new WriteResponse(400, message, 0, 0, 0, 0);
  }
}
