package io.promledger.adapter.ingest;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** What was refused in one request, by reason, with the first few messages for the response body. */
public final class Rejections {
  private static final int MAX_MESSAGES = 5;

  private final Map<RejectReason, long[]> counts = new EnumMap<>(RejectReason.class); // {series, samples}
  private final List<String> messages = new ArrayList<>();
  private final Map<IgnoredReason, Long> ignored = new EnumMap<>(IgnoredReason.class);
  private long histograms;
  private long exemplars;

  /** A whole series refused with its {@code samples} samples. */
  public void series(RejectReason reason, long samples, String message) {
    long[] c = counts.computeIfAbsent(reason, r -> new long[2]);
    c[0]++;
    c[1] += samples;
    note(reason, message);
  }

  /** Samples of an otherwise accepted series refused. */
  public void samples(RejectReason reason, long samples, String message) {
    counts.computeIfAbsent(reason, r -> new long[2])[1] += samples;
    note(reason, message);
  }

  public void histograms(long n, String message) {
    histograms += n;
    counts.computeIfAbsent(RejectReason.NATIVE_HISTOGRAM_UNSUPPORTED, r -> new long[2]);
    note(RejectReason.NATIVE_HISTOGRAM_UNSUPPORTED, message);
  }

  /** One exemplar refused; its series is still stored. */
  public void exemplar(String message) {
    exemplars++;
    counts.computeIfAbsent(RejectReason.INVALID_EXEMPLAR, r -> new long[2]);
    note(RejectReason.INVALID_EXEMPLAR, message);
  }

  /** Conflicting duplicates PostgreSQL did not store (the value stored first is kept). */
  public void conflicts(long samples) {
    counts.computeIfAbsent(RejectReason.CONFLICTING_DUPLICATE, r -> new long[2])[1] += samples;
    note(RejectReason.CONFLICTING_DUPLICATE, samples + " samples had another value at a timestamp already stored; the first value is kept");
  }

  /** Something advisory left out; does not make the request fail. */
  public void ignored(IgnoredReason reason) {
    ignored.merge(reason, 1L, Long::sum);
  }

  public Map<IgnoredReason, Long> ignored() {
    return ignored;
  }

  public long rejectedExemplars() {
    return exemplars;
  }

  private void note(RejectReason reason, String message) {
    if (messages.size() < MAX_MESSAGES) {
      messages.add(reason.label() + ": " + message);
    }
  }

  public boolean isEmpty() {
    return counts.isEmpty();
  }

  public Map<RejectReason, long[]> counts() {
    return counts;
  }

  public long rejectedSamples() {
    return counts.values().stream().mapToLong(c -> c[1]).sum();
  }

  public void addAll(Rejections other) {
    other.counts.forEach((r, c) -> {
      long[] mine = counts.computeIfAbsent(r, x -> new long[2]);
      mine[0] += c[0];
      mine[1] += c[1];
    });
    histograms += other.histograms;
    exemplars += other.exemplars;
    other.ignored.forEach((r, n) -> ignored.merge(r, n, Long::sum));
    for (String m : other.messages) {
      if (messages.size() < MAX_MESSAGES) {
        messages.add(m);
      }
    }
  }

  /** The response body: counts per reason, then examples. Prometheus logs up to 1 KiB of it. */
  public String describe(long written) {
    StringBuilder b = new StringBuilder("some data was refused; ").append(written).append(" samples stored. refused:");
    counts.forEach((r, c) -> {
      b.append(' ').append(r.label()).append('=');
      if (r == RejectReason.NATIVE_HISTOGRAM_UNSUPPORTED) {
        b.append(histograms).append(" histograms");
      } else if (r == RejectReason.INVALID_EXEMPLAR) {
        b.append(exemplars).append(" exemplars");
      } else {
        b.append(c[1]).append(" samples/").append(c[0]).append(" series");
      }
    });
    b.append(". examples: ").append(String.join("; ", messages));
    return b.toString();
  }
}
