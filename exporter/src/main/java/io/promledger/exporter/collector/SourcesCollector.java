package io.promledger.exporter.collector;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the exporter's metrics at scrape time from every enabled {@link Source}, into one set of
 * families so that the shared status metrics are written once. A source that throws anyway loses
 * its own samples of this scrape only.
 */
public final class SourcesCollector implements MultiCollector {
  private static final Logger log = LoggerFactory.getLogger(SourcesCollector.class);

  private final List<Source> sources;

  public SourcesCollector(List<Source> sources) {
    this.sources = List.copyOf(sources);
  }

  @Override
  public MetricSnapshots collect() {
    Families out = new Families();
    for (Source s : sources) {
      try {
        s.collect(out);
      } catch (RuntimeException e) {
        log.error("msg=\"collector failed\" source={} err=\"{}\"", s.getClass().getSimpleName(), e.toString(), e);
      }
    }
    out.gauge(
        "promledger_exporter_duplicate_series_dropped",
        "Samples dropped in the last scrape because their label set had already been written.",
        out.duplicatesDropped());
    return out.build();
  }
}
