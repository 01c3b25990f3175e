package io.promledger.exporter.collector;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Collects the samples of one scrape and turns them into client_java snapshots that always write:
 * a repeated label set is dropped (and counted) rather than failing the whole scrape, and within a
 * family every sample carries the same label names, a missing one written as {@code ""}.
 */
public final class Families {
  private final Map<String, Family> families = new LinkedHashMap<>();
  private int duplicatesDropped;

  /** A gauge sample; {@code labels} alternate names and values. */
  public void gauge(String name, String help, double value, String... labels) {
    add(name, help, false, value, null, labels);
  }

  /** A gauge sample carrying the time it was measured at (a CloudWatch datapoint). */
  public void gaugeAt(String name, String help, double value, long timestampMillis, String... labels) {
    add(name, help, false, value, timestampMillis, labels);
  }

  /** A counter sample; {@code name} without the {@code _total} the writers append. */
  public void counter(String name, String help, double value, String... labels) {
    add(name, help, true, value, null, labels);
  }

  /** Label sets that were seen twice in this scrape and written once. */
  public int duplicatesDropped() {
    return duplicatesDropped;
  }

  private void add(String name, String help, boolean counter, double value, Long timestamp, String[] labels) {
    if (labels.length % 2 != 0) {
      throw new IllegalArgumentException(name + ": labels must be name/value pairs");
    }
    Family f = families.computeIfAbsent(name, n -> new Family(help, counter));
    if (f.counter != counter) {
      throw new IllegalArgumentException(name + " is used both as a counter and as a gauge");
    }
    Map<String, String> pairs = new LinkedHashMap<>();
    for (int i = 0; i < labels.length; i += 2) {
      pairs.put(labels[i], labels[i + 1] == null ? "" : labels[i + 1]);
    }
    if (f.points.containsKey(pairs)) {
      duplicatesDropped++;
      return;
    }
    f.labelNames.addAll(pairs.keySet());
    f.points.put(pairs, new Point(value, timestamp));
  }

  public MetricSnapshots build() {
    List<MetricSnapshot> out = new ArrayList<>(families.size());
    families.forEach((name, f) -> out.add(f.snapshot(name)));
    return new MetricSnapshots(out);
  }

  private record Point(double value, Long timestampMillis) {}

  private static final class Family {
    final String help;
    final boolean counter;
    final Set<String> labelNames = new LinkedHashSet<>();
    final Map<Map<String, String>, Point> points = new LinkedHashMap<>();

    Family(String help, boolean counter) {
      this.help = help;
      this.counter = counter;
    }

    MetricSnapshot snapshot(String name) {
      if (counter) {
        CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help);
        points.forEach((pairs, p) -> {
          CounterDataPointSnapshot.Builder dp = CounterDataPointSnapshot.builder().labels(labels(pairs)).value(p.value);
          if (p.timestampMillis != null) {
            dp.scrapeTimestampMillis(p.timestampMillis);
          }
          b.dataPoint(dp.build());
        });
        return b.build();
      }
      GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help);
      points.forEach((pairs, p) -> {
        GaugeDataPointSnapshot.Builder dp = GaugeDataPointSnapshot.builder().labels(labels(pairs)).value(p.value);
        if (p.timestampMillis != null) {
          dp.scrapeTimestampMillis(p.timestampMillis);
        }
        b.dataPoint(dp.build());
      });
      return b.build();
    }

    private Labels labels(Map<String, String> pairs) {
      Labels.Builder b = Labels.builder();
      for (String n : labelNames) {
        b.label(n, pairs.getOrDefault(n, ""));
      }
      return b.build();
    }
  }
}
