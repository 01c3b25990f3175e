package io.promledger.adapter.ingest;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns the labels of one series, as sent, into a {@link LabelSet} or a rejection. Follows
 * Prometheus: labels with empty values are dropped (so {@code m{a=""}} is {@code m}), unsorted
 * input is sorted. Refused: empty names, duplicate names, a missing metric name, invalid UTF-8 or
 * NUL bytes, and anything over the configured limits.
 */
public final class LabelCanonicalizer {
  private final IngestLimits limits;

  public LabelCanonicalizer(IngestLimits limits) {
    this.limits = limits;
  }

  /** Collects the labels of one series; reuse with {@link #reset()}. */
  public final class Builder {
    private ByteString[] names = new ByteString[16];
    private ByteString[] values = new ByteString[16];
    private int size;

    public void reset() {
      size = 0;
    }

    public void add(ByteString name, ByteString value) {
      if (size == names.length) {
        names = Arrays.copyOf(names, size * 2);
        values = Arrays.copyOf(values, size * 2);
      }
      names[size] = name;
      values[size++] = value;
    }

    /** The canonical set, or throws {@link SeriesRejectedException}. */
    public LabelSet build() {
      return canonicalize(names, values, size);
    }
  }

  public Builder builder() {
    return new Builder();
  }

  LabelSet canonicalize(ByteString[] rawNames, ByteString[] rawValues, int n) {
    int[] order = new int[n];
    int kept = 0;
    for (int i = 0; i < n; i++) {
      ByteString name = rawNames[i];
      ByteString value = rawValues[i];
      if (name.isEmpty()) {
        throw new SeriesRejectedException(RejectReason.EMPTY_LABEL_NAME, "a label has an empty name");
      }
      if (value.isEmpty()) {
        continue;
      }
      if (name.size() > limits.maxLabelNameBytes()) {
        throw new SeriesRejectedException(
            RejectReason.LABEL_NAME_TOO_LONG,
            "label name of " + name.size() + " bytes exceeds the limit of " + limits.maxLabelNameBytes());
      }
      if (value.size() > limits.maxLabelValueBytes()) {
        throw new SeriesRejectedException(
            RejectReason.LABEL_VALUE_TOO_LONG,
            "value of label " + printable(name) + " has " + value.size() + " bytes, over the limit of "
                + limits.maxLabelValueBytes());
      }
      checkText(name);
      checkText(value);
      order[kept++] = i;
    }
    if (kept > limits.maxLabels()) {
      throw new SeriesRejectedException(
          RejectReason.TOO_MANY_LABELS, "series has " + kept + " labels, over the limit of " + limits.maxLabels());
    }
    // Insertion sort: label sets are small and usually arrive sorted already. ByteString's
    // unsigned lexicographic comparator is exactly UTF-8 byte order.
    var cmp = ByteString.unsignedLexicographicalComparator();
    for (int i = 1; i < kept; i++) {
      int x = order[i];
      int j = i - 1;
      while (j >= 0 && cmp.compare(rawNames[order[j]], rawNames[x]) > 0) {
        order[j + 1] = order[j];
        j--;
      }
      order[j + 1] = x;
    }
    ByteString[] names = new ByteString[kept];
    ByteString[] values = new ByteString[kept];
    boolean hasName = false;
    for (int i = 0; i < kept; i++) {
      ByteString name = rawNames[order[i]];
      if (i > 0 && name.equals(names[i - 1])) {
        throw new SeriesRejectedException(
            RejectReason.DUPLICATE_LABEL, "label " + printable(name) + " appears more than once");
      }
      names[i] = name;
      values[i] = rawValues[order[i]];
      hasName |= name.equals(LabelSet.METRIC_NAME_BYTES);
    }
    if (!hasName) {
      throw new SeriesRejectedException(
          RejectReason.MISSING_METRIC_NAME, "series has no metric name (label __name__ missing or empty)");
    }
    return new LabelSet(names, values);
  }

  private static void checkText(ByteString s) {
    if (!s.isValidUtf8()) {
      throw new SeriesRejectedException(RejectReason.INVALID_UTF8, "a label name or value is not valid UTF-8");
    }
    for (int i = 0; i < s.size(); i++) {
      if (s.byteAt(i) == 0) {
        // PostgreSQL text and jsonb cannot hold NUL.
        throw new SeriesRejectedException(RejectReason.INVALID_UTF8, "a label name or value contains a NUL byte");
      }
    }
  }

  private static String printable(ByteString name) {
    String s = name.isValidUtf8() ? name.toString(StandardCharsets.UTF_8) : "(invalid UTF-8)";
    return "'" + (s.length() > 64 ? s.substring(0, 64) + "..." : s) + "'";
  }
}
