package io.promledger.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.promledger.exporter.collector.postgres.PostgresCollector;
import io.promledger.exporter.collector.postgres.PostgresOptions;
import io.promledger.http.instrumentation.Exposition;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ExporterServerTest {
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void anUnreachableDatabaseFailsTheScrapeWhileTheExporterStaysReady() throws Exception {
    PostgresOptions unreachable = new PostgresOptions(() -> Optional.of("jdbc:postgresql://127.0.0.1:1/postgres"),
        null, null, Duration.ofSeconds(1), Duration.ofSeconds(8), false, 100, false, 120, null, null);
    try (ExporterServer server =
        ExporterServer.start(new ListenAddress("127.0.0.1", 0), List.of(new PostgresCollector(unreachable)))) {
      String base = "http://127.0.0.1:" + server.port();
      HttpResponse<String> metrics = get(base + "/metrics");
      assertEquals(200, metrics.statusCode());
      Exposition m = Exposition.parse(metrics.body());
      assertEquals(0, m.get("pg_up"));
      assertEquals(1, m.get("pg_exporter_last_scrape_error"));
      assertEquals(0, m.get("promledger_exporter_collector_up{collector=\"postgres\"}"));
      // Ready means able to serve /metrics, which it just did; the database's state is in pg_up.
      HttpResponse<String> ready = get(base + "/-/ready");
      assertEquals(200, ready.statusCode());
      assertEquals("Ready\n", ready.body());
      // The exporter's own families are selected by the sample names they are written with.
      Exposition scrapes = Exposition.parse(get(base + "/metrics?name[]=pg_exporter_scrapes_total").body());
      assertEquals(java.util.Map.of("pg_exporter_scrapes_total", 2.0), scrapes.withPrefix(""));
      HttpResponse<String> healthy = get(base + "/-/healthy");
      assertEquals(200, healthy.statusCode());
      assertEquals("Healthy\n", healthy.body());
    }
  }

  private HttpResponse<String> get(String url) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
