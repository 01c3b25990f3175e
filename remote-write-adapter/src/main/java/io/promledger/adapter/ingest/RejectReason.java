package io.promledger.adapter.ingest;

import java.util.Locale;

/** Why data was refused; the {@code reason} label of the rejection metrics. */
public enum RejectReason {
  CORRUPT_BODY,
  FRAMED_SNAPPY,
  DECODED_TOO_LARGE,
  INVALID_PROTOBUF,
  MISSING_METRIC_NAME,
  EMPTY_LABEL_NAME,
  DUPLICATE_LABEL,
  INVALID_UTF8,
  TOO_MANY_LABELS,
  LABEL_NAME_TOO_LONG,
  LABEL_VALUE_TOO_LONG,
  INVALID_SYMBOL_REFERENCE,
  TOO_FAR_IN_FUTURE,
  TOO_OLD,
  NATIVE_HISTOGRAM_UNSUPPORTED,
  INVALID_EXEMPLAR,
  CONFLICTING_DUPLICATE,
  EMPTY_DECODE,
  DATABASE_REJECTED;

  /** e.g. {@code too_far_in_future}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
