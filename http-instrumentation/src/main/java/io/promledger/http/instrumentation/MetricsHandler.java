package io.promledger.http.instrumentation;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a {@link PrometheusRegistry} as a Javalin route, in the format the scraper asks for in its
 * {@code Accept} header: Prometheus protobuf, OpenMetrics 1.0 text, or else the Prometheus text
 * format (what a browser or curl gets). q-values are honoured, {@code q=0} meaning not acceptable;
 * when nothing acceptable is left the answer is the text format (see {@link AcceptHeader}):
 *
 * <pre>{@code
 * config.router.mount(r -> r.get("/metrics", new MetricsHandler(registry)));
 * }</pre>
 *
 * <p>{@code ?name[]=metric_name} limits the answer to the named metric families, by family name or
 * by a sample name as written ({@code http_server_requests_total}, {@code ..._bucket}; see {@link
 * MetricNameSelection}). A collector that throws makes the request answer 500 with the reason on
 * one line.
 */
public final class MetricsHandler implements Handler {
  private static final Logger log = LoggerFactory.getLogger(MetricsHandler.class);

  private final PrometheusRegistry registry;
  private final ExpositionFormats formats = ExpositionFormats.init();

  public MetricsHandler(PrometheusRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void handle(Context ctx) throws IOException {
    String accept = ctx.header("Accept");
    MetricSnapshots snapshots;
    try {
      var names = ctx.queryParams("name[]");
      if (names.isEmpty()) {
        snapshots = registry.scrape();
      } else {
        MetricNameSelection selection = new MetricNameSelection(names);
        snapshots = selection.keep(registry.scrape(selection.families()));
      }
    } catch (RuntimeException e) {
      log.warn("msg=\"metrics scrape failed\" err=\"{}\"", String.valueOf(e.getMessage()).replace('"', '\''), e);
      ctx.status(500).contentType("text/plain; charset=utf-8").result("cannot collect metrics: " + e + "\n");
      return;
    }
    ExpositionFormatWriter writer = writer(AcceptHeader.choose(accept, formats.getPrometheusProtobufWriter().isAvailable()));
    ByteArrayOutputStream body = new ByteArrayOutputStream(16 * 1024);
    writer.write(body, snapshots, EscapingScheme.fromAcceptHeader(accept));
    ctx.contentType(writer.getContentType()).result(body.toByteArray());
  }

  private ExpositionFormatWriter writer(AcceptHeader.Format format) {
    return switch (format) {
      case PROTOBUF -> formats.getPrometheusProtobufWriter();
      case OPENMETRICS -> formats.getOpenMetricsTextFormatWriter();
      case TEXT -> formats.getPrometheusTextFormatWriter();
    };
  }
}
