package io.promledger.exporter;

import io.promledger.exporter.collector.Source;
import io.promledger.exporter.collector.SourcesCollector;
import io.promledger.http.instrumentation.Exposition;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Test helper: one scrape of some sources, as Prometheus text and as parsed samples. */
public final class Scrapes {
  private Scrapes() {}

  public static String text(Source... sources) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      PrometheusTextFormatWriter.create().write(out, new SourcesCollector(List.of(sources)).collect());
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  public static Exposition scrape(Source... sources) {
    return Exposition.parse(text(sources));
  }
}
