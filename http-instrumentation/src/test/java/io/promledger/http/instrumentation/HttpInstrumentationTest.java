package io.promledger.http.instrumentation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.javalin.Javalin;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.core.metrics.Summary;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HttpInstrumentationTest {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final CountDownLatch release = new CountDownLatch(1);
  private final CountDownLatch entered = new CountDownLatch(1);
  private final List<String> appLog = new ArrayList<>();
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private Javalin app;

  @BeforeEach
  void start() {
    app =
        Javalin.create(
                config -> {
                  config.showJavalinBanner = false;
                  config.requestLogger.http((ctx, ms) -> appLog.add(ctx.path()));
                  config.registerPlugin(new HttpInstrumentation(registry));
                  config.router.mount(
                      r -> {
                        r.get("/metrics", new MetricsHandler(registry));
                        r.get("/items/{id}", ctx -> ctx.result("item " + ctx.pathParam("id")));
                        r.post("/items", ctx -> ctx.status(201));
                        r.get("/missing/{id}", ctx -> ctx.status(404));
                        r.get("/boom", ctx -> {
                          throw new IllegalStateException("boom");
                        });
                        r.get("/unavailable", ctx -> ctx.status(503));
                        r.get("/slow", ctx -> {
                          Thread.sleep(300);
                          ctx.result("slow");
                        });
                        r.get("/block", ctx -> {
                          entered.countDown();
                          release.await(10, TimeUnit.SECONDS);
                        });
                        r.get("/login", ctx -> ctx.sessionAttribute("user", "u" + ctx.queryParam("n")));
                        r.get("/logout", ctx -> ctx.req().getSession().invalidate());
                      });
                })
            .start("127.0.0.1", 0);
  }

  @AfterEach
  void stop() {
    release.countDown();
    app.stop();
  }

  @Test
  void countsRequestsByRouteTemplateMethodAndStatus() throws Exception {
    assertEquals(200, get("/items/1").statusCode());
    assertEquals(200, get("/items/2").statusCode());
    assertEquals(200, get("/items/3").statusCode());
    assertEquals(201, send(HttpRequest.newBuilder(uri("/items")).POST(HttpRequest.BodyPublishers.noBody())).statusCode());
    assertEquals(404, get("/missing/7").statusCode());
    assertEquals(404, get("/no/such/path").statusCode());
    assertEquals(404, get("/another-unknown").statusCode());

    Exposition m = scrape();
    assertEquals(3, m.get("http_server_requests_total{method=\"GET\",route=\"/items/{id}\",status=\"200\"}"));
    assertEquals(1, m.get("http_server_requests_total{method=\"POST\",route=\"/items\",status=\"201\"}"));
    assertEquals(1, m.get("http_server_requests_total{method=\"GET\",route=\"/missing/{id}\",status=\"404\"}"));
    assertEquals(2, m.get("http_server_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"}"));
    assertEquals(3, m.get("http_server_request_duration_seconds_count{method=\"GET\",route=\"/items/{id}\",status=\"200\"}"));
    assertTrue(m.withPrefix("http_server_request_errors_total").isEmpty(), m.text());
    assertFalse(m.text().contains("/items/1"), "a raw path leaked into a label:\n" + m.text());
    assertFalse(m.text().contains("/no/such/path"), "a raw path leaked into a label:\n" + m.text());
    // The application's own request logger still sees every request.
    assertTrue(appLog.containsAll(List.of("/items/1", "/items", "/no/such/path")), appLog.toString());
  }

  @Test
  void countsServerErrorsIncludingExceptions() throws Exception {
    assertEquals(500, get("/boom").statusCode());
    assertEquals(500, get("/boom").statusCode());
    assertEquals(503, get("/unavailable").statusCode());

    Exposition m = scrape();
    assertEquals(2, m.get("http_server_request_errors_total{method=\"GET\",route=\"/boom\",status=\"500\"}"));
    assertEquals(1, m.get("http_server_request_errors_total{method=\"GET\",route=\"/unavailable\",status=\"503\"}"));
    assertEquals(2, m.get("http_server_requests_total{method=\"GET\",route=\"/boom\",status=\"500\"}"));
  }

  @Test
  void durationLandsInTheRightBuckets() throws Exception {
    assertEquals(200, get("/slow").statusCode());

    Exposition m = scrape();
    String labels = "method=\"GET\",route=\"/slow\",status=\"200\"";
    assertEquals(0, m.get("http_server_request_duration_seconds_bucket{" + labels + ",le=\"0.25\"}"));
    assertEquals(1, m.get("http_server_request_duration_seconds_bucket{" + labels + ",le=\"+Inf\"}"));
    assertEquals(1, m.get("http_server_request_duration_seconds_count{" + labels + "}"));
    double sum = m.get("http_server_request_duration_seconds_sum{" + labels + "}");
    assertTrue(sum >= 0.3 && sum < 10, "sum " + sum);
  }

  @Test
  void tracksRequestsInFlight() throws Exception {
    CompletableFuture<HttpResponse<String>> blocked =
        client.sendAsync(HttpRequest.newBuilder(uri("/block")).build(), HttpResponse.BodyHandlers.ofString());
    assertTrue(entered.await(10, TimeUnit.SECONDS));

    // The blocked request and the scrape itself.
    assertEquals(2, scrape().get("http_server_requests_in_flight"));

    release.countDown();
    assertEquals(200, blocked.get(10, TimeUnit.SECONDS).statusCode());
    assertEquals(1, scrape().get("http_server_requests_in_flight"));
  }

  @Test
  void tracksOpenSessions() throws Exception {
    assertEquals(0, scrape().get("http_server_active_sessions"));
    HttpResponse<String> first = get("/login?n=1");
    get("/login?n=2");
    assertEquals(2, scrape().get("http_server_active_sessions"));

    String cookie = first.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
    assertEquals(200, send(HttpRequest.newBuilder(uri("/logout")).header("Cookie", cookie)).statusCode());
    assertEquals(1, scrape().get("http_server_active_sessions"));
  }

  @Test
  void metricsHandlerNegotiatesTheFormat() throws Exception {
    get("/items/1");
    HttpResponse<String> text = get("/metrics");
    assertEquals("text/plain; version=0.0.4; charset=utf-8", text.headers().firstValue("Content-Type").orElseThrow());
    assertTrue(text.body().contains("# TYPE http_server_requests_total counter"), text.body());

    HttpResponse<String> om =
        send(HttpRequest.newBuilder(uri("/metrics")).header("Accept", "application/openmetrics-text; version=1.0.0"));
    assertEquals(
        "application/openmetrics-text; version=1.0.0; charset=utf-8", om.headers().firstValue("Content-Type").orElseThrow());
    assertTrue(om.body().endsWith("# EOF\n"), om.body());
    assertTrue(om.body().contains("# TYPE http_server_requests counter"), om.body());

    HttpResponse<byte[]> proto =
        client.send(
            HttpRequest.newBuilder(uri("/metrics"))
                .header("Accept", "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited")
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(
        "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited",
        proto.headers().firstValue("Content-Type").orElseThrow());
    assertTrue(new String(proto.body(), java.nio.charset.StandardCharsets.ISO_8859_1).contains("http_server_requests_total"));

    HttpResponse<String> filtered = get("/metrics?name[]=http_server_requests_in_flight");
    assertTrue(filtered.body().contains("http_server_requests_in_flight"), filtered.body());
    assertFalse(filtered.body().contains("http_server_requests_total"), filtered.body());
  }

  @Test
  void metricsHandlerHonoursQValues() throws Exception {
    String text = "text/plain; version=0.0.4; charset=utf-8";
    String openMetrics = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    assertEquals(text, contentTypeFor("application/openmetrics-text;q=0, text/plain;q=0"));
    assertEquals(text, contentTypeFor("application/openmetrics-text;q=0"));
    assertEquals(text, contentTypeFor("application/openmetrics-text;version=1.0.0;q=0.3, text/plain;q=0.5"));
    assertEquals(openMetrics, contentTypeFor("text/plain;q=0.2, application/openmetrics-text;version=1.0.0;q=0.9"));
    assertEquals(text, contentTypeFor(
        "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0, */*;q=0.1"));
  }

  @Test
  void metricsHandlerSelectsFamiliesBySampleNames() throws Exception {
    Summary.builder().name("job_seconds").help("Job time.").register(registry).observe(2);
    Info.builder().name("app_build").help("Build.").labelNames("version").register(registry).addLabelValues("1.2");
    get("/items/1");

    String requests = "http_server_requests_total";
    String duration = "http_server_request_duration_seconds";
    assertEquals(List.of(requests), familiesFor("name[]=http_server_requests_total"));
    assertEquals(List.of(requests), familiesFor("name[]=http_server_requests"));
    assertEquals(List.of(requests), familiesFor("name[]=http_server_requests_created"));
    assertEquals(List.of(duration), familiesFor("name[]=http_server_request_duration_seconds"));
    assertEquals(List.of(duration), familiesFor("name[]=http_server_request_duration_seconds_bucket"));
    assertEquals(List.of(duration), familiesFor("name[]=http_server_request_duration_seconds_count"));
    assertEquals(List.of(duration), familiesFor("name[]=http_server_request_duration_seconds_sum"));
    assertEquals(List.of(duration), familiesFor("name[]=http_server_request_duration_seconds_created"));
    assertEquals(List.of("job_seconds"), familiesFor("name[]=job_seconds_count"));
    assertEquals(List.of("job_seconds"), familiesFor("name[]=job_seconds_sum"));
    assertEquals(List.of("app_build_info"), familiesFor("name[]=app_build_info"));
    assertEquals(List.of(requests, "http_server_requests_in_flight"),
        familiesFor("name[]=http_server_requests_total&name[]=http_server_requests_in_flight"));
    // A suffix the family's type is not written with selects nothing.
    assertEquals(List.of(), familiesFor("name[]=http_server_requests_in_flight_total"));
    assertEquals(List.of(), familiesFor("name[]=http_server_requests_bucket"));
    assertEquals(List.of(), familiesFor("name[]=job_seconds_bucket"));
    assertEquals(List.of(), familiesFor("name[]=app_build_total"));

    Exposition m = Exposition.parse(get("/metrics?name[]=http_server_requests_total").body());
    assertEquals(1, m.get("http_server_requests_total{method=\"GET\",route=\"/items/{id}\",status=\"200\"}"));
  }

  private List<String> familiesFor(String query) throws Exception {
    HttpResponse<String> r = get("/metrics?" + query);
    assertEquals(200, r.statusCode(), r.body());
    List<String> families = new ArrayList<>();
    for (String line : r.body().split("\n")) {
      if (line.startsWith("# TYPE ")) {
        families.add(line.split(" ")[2]);
      }
    }
    return families;
  }

  private String contentTypeFor(String accept) throws Exception {
    HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/metrics")).header("Accept", accept));
    assertEquals(200, r.statusCode(), r.body());
    return r.headers().firstValue("Content-Type").orElseThrow();
  }

  private Exposition scrape() throws Exception {
    HttpResponse<String> r = get("/metrics");
    assertEquals(200, r.statusCode(), r.body());
    return Exposition.parse(r.body());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return send(HttpRequest.newBuilder(uri(path)));
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return client.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + app.port() + path);
  }
}
