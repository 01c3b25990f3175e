package io.promledger.exporter;

import io.javalin.Javalin;
import io.promledger.exporter.collector.ScrapeTimeout;
import io.promledger.exporter.collector.Source;
import io.promledger.exporter.collector.SourcesCollector;
import io.promledger.http.instrumentation.HttpInstrumentation;
import io.promledger.http.instrumentation.MetricsHandler;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;

/** The HTTP side: {@code /metrics}, {@code /-/healthy}, {@code /-/ready} and a small index page. */
final class ExporterServer implements AutoCloseable {
  private final Javalin app;
  private final List<Source> sources;

  private ExporterServer(Javalin app, List<Source> sources) {
    this.app = app;
    this.sources = sources;
  }

  static ExporterServer start(ListenAddress address, List<Source> sources) {
    PrometheusRegistry registry = new PrometheusRegistry();
    JvmMetrics.builder().register(registry);
    registry.register(new SourcesCollector(sources));
    Javalin app = Javalin.create(config -> {
      config.showJavalinBanner = false;
      config.registerPlugin(new HttpInstrumentation(registry));
      config.router.mount(r -> {
        MetricsHandler metrics = new MetricsHandler(registry);
        r.get("/metrics", ctx -> ScrapeTimeout.within(ctx.header(ScrapeTimeout.HEADER), () -> metrics.handle(ctx)));
        r.get("/-/healthy", ctx -> ctx.result("Healthy\n"));
        r.get("/-/ready", ctx -> ctx.result("Ready\n"));
        r.get("/", ctx -> ctx.html(
            "<html><head><title>promledger exporter</title></head><body><h1>promledger exporter</h1>"
                + "<p><a href=\"/metrics\">Metrics</a></p></body></html>"));
      });
    });
    // A failed start is reported below in one line; Javalin would log it first with a stack trace.
    var javalinLog = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("io.javalin.Javalin");
    var level = javalinLog.getLevel();
    javalinLog.setLevel(ch.qos.logback.classic.Level.OFF);
    try {
      app.start(address.host(), address.port());
    } catch (RuntimeException e) {
      sources.forEach(Source::close);
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new ConfigException("cannot listen on " + address.host() + ":" + address.port() + ": " + cause.getMessage()
          + " (is another exporter running? choose another --web.listen-address)");
    } finally {
      javalinLog.setLevel(level);
    }
    return new ExporterServer(app, sources);
  }

  int port() {
    return app.port();
  }

  @Override
  public void close() {
    app.stop();
    sources.forEach(Source::close);
  }
}
