package io.promledger.adapter.ingest;

import java.util.Locale;

/**
 * Advisory parts of a request that were malformed and left out, while everything else of the
 * request was stored and answered as usual; counted by reason.
 */
public enum IgnoredReason {
  /** A remote-write 2.0 start timestamp that is negative or after its sample. */
  INVALID_START_TIMESTAMP,
  /** Metadata with a bad symbol reference, invalid UTF-8 or NUL. */
  INVALID_METADATA;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
