package io.promledger.adapter.storage;

/** The database cannot take the write now; answered 503 so that the sender retries. */
public final class TransientStorageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public TransientStorageException(String message, Throwable cause) {
    super(message, cause, false, false);
  }
}
