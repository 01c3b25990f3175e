package io.promledger.http.instrumentation;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The families a {@code ?name[]=} request asks for. A name selects a family when it is the family
 * name ({@code http_server_requests}) or one of the sample names the family is written with: {@code
 * _total} and {@code _created} for a counter; {@code _bucket}, {@code _count}, {@code _sum} and
 * {@code _created} for a histogram ({@code _gcount} and {@code _gsum} for a gauge histogram); {@code
 * _count}, {@code _sum} and {@code _created} for a summary; {@code _info} for an info metric.
 */
final class MetricNameSelection {
  private static final List<String> SUFFIXES =
      List.of("_total", "_created", "_bucket", "_count", "_sum", "_gcount", "_gsum", "_info");

  private final Set<String> requested;
  private final Set<String> candidates = new HashSet<>();

  MetricNameSelection(Collection<String> names) {
    this.requested = Set.copyOf(names);
    for (String n : requested) {
      candidates.add(n);
      for (String suffix : SUFFIXES) {
        if (n.endsWith(suffix) && n.length() > suffix.length()) {
          candidates.add(n.substring(0, n.length() - suffix.length()));
        }
      }
    }
  }

  /**
   * The family names worth collecting: every requested name, and each with a sample suffix taken
   * off. A superset; {@link #keep} then drops a family whose type has no such sample.
   */
  Predicate<String> families() {
    return candidates::contains;
  }

  /** The families of {@code snapshots} that one of the requested names selects. */
  MetricSnapshots keep(MetricSnapshots snapshots) {
    List<MetricSnapshot> kept = new ArrayList<>();
    for (MetricSnapshot s : snapshots) {
      if (selects(s)) {
        kept.add(s);
      }
    }
    return new MetricSnapshots(kept);
  }

  private boolean selects(MetricSnapshot s) {
    MetricMetadata m = s.getMetadata();
    Set<String> bases = new HashSet<>();
    bases.add(m.getPrometheusName());
    if (m.getExpositionBasePrometheusName() != null) {
      bases.add(m.getExpositionBasePrometheusName());
    }
    for (String base : bases) {
      if (requested.contains(base)) {
        return true;
      }
      for (String suffix : suffixes(s)) {
        if (requested.contains(base + suffix)) {
          return true;
        }
      }
    }
    return false;
  }

  private static List<String> suffixes(MetricSnapshot s) {
    if (s instanceof CounterSnapshot) {
      return List.of("_total", "_created");
    }
    if (s instanceof HistogramSnapshot h) {
      return h.isGaugeHistogram()
          ? List.of("_bucket", "_gcount", "_gsum")
          : List.of("_bucket", "_count", "_sum", "_created");
    }
    if (s instanceof SummarySnapshot) {
      return List.of("_count", "_sum", "_created");
    }
    if (s instanceof InfoSnapshot) {
      return List.of("_info");
    }
    return List.of();
  }
}
