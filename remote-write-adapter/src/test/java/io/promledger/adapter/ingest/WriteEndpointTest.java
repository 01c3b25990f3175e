package io.promledger.adapter.ingest;

import static io.promledger.adapter.support.Payloads.NORMAL_NAN;
import static io.promledger.adapter.support.Payloads.STALE_NAN;
import static io.promledger.adapter.support.Payloads.sample;
import static io.promledger.adapter.support.Payloads.v1;
import static io.promledger.adapter.support.Payloads.v1Series;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promledger.adapter.support.TestAdapter;
import io.promledger.proto.v1.Types;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The write endpoint against a real PostgreSQL: statuses, Written headers, and the rows stored. */
class WriteEndpointTest {
  static TestAdapter adapter;
  long now;

  @BeforeAll
  static void start() {
    adapter = TestAdapter.start();
  }

  @AfterAll
  static void stop() {
    adapter.close();
  }

  @BeforeEach
  void clock() {
    // whole seconds keep the expected timestamps easy to read
    now = System.currentTimeMillis() / 1000 * 1000;
  }

  private List<List<String>> rows(String metric) {
    return adapter.query(
        "SELECT s.labels::text, (extract(epoch FROM sm.ts) * 1000)::bigint, sm.value::text FROM samples sm "
            + "JOIN series s ON s.id = sm.series_id WHERE s.metric_name = '" + metric + "' ORDER BY sm.ts, s.labels::text");
  }

  @Test
  void storesEverySampleAndAnswers204() {
    HttpResponse<String> r =
        adapter.write(v1(
            v1Series("__name__", "store_test", "job", "node", "instance", "a")
                .addSamples(sample(now - 2000, 1.5))
                .addSamples(sample(now - 1000, 2.5)),
            v1Series("job", "node", "__name__", "store_test", "instance", "b").addSamples(sample(now - 1000, 7))));
    assertEquals(204, r.statusCode(), r.body());
    assertEquals("3", r.headers().firstValue("X-Prometheus-Remote-Write-Samples-Written").orElseThrow());
    assertEquals(
        List.of(
            List.of("{\"job\": \"node\", \"instance\": \"a\"}", Long.toString(now - 2000), "1.5"),
            List.of("{\"job\": \"node\", \"instance\": \"a\"}", Long.toString(now - 1000), "2.5"),
            List.of("{\"job\": \"node\", \"instance\": \"b\"}", Long.toString(now - 1000), "7")),
        rows("store_test"));
    assertEquals("node", adapter.scalar("SELECT DISTINCT source FROM usage_records WHERE resource_type = 'store_test'"));
  }

  @Test
  void aRetriedRequestStoresNothingTwiceAndAConflictKeepsTheFirstValue() {
    var req = v1(v1Series("__name__", "retry_test").addSamples(sample(now - 3000, 10)).addSamples(sample(now - 2000, 11)));
    double exactBefore = adapter.metric("promledger_remote_write_duplicate_samples_total", "kind", "exact");
    double conflictingBefore = adapter.metric("promledger_remote_write_duplicate_samples_total", "kind", "conflicting");
    assertEquals(204, adapter.write(req).statusCode());
    assertEquals(204, adapter.write(req).statusCode());
    HttpResponse<String> conflict =
        adapter.write(v1(v1Series("__name__", "retry_test").addSamples(sample(now - 2000, 99)).addSamples(sample(now - 1000, 12))));
    assertEquals(204, conflict.statusCode(), conflict.body());
    assertEquals(
        List.of(
            List.of("{}", Long.toString(now - 3000), "10"),
            List.of("{}", Long.toString(now - 2000), "11"),
            List.of("{}", Long.toString(now - 1000), "12")),
        rows("retry_test"));
    assertEquals(2, adapter.metric("promledger_remote_write_duplicate_samples_total", "kind", "exact") - exactBefore);
    assertEquals(1, adapter.metric("promledger_remote_write_duplicate_samples_total", "kind", "conflicting") - conflictingBefore);
  }

  @Test
  void badSeriesAreRefusedWith400WhileTheValidOnesAreStored() {
    HttpResponse<String> r =
        adapter.write(v1(
            v1Series("__name__", "partial_test", "ok", "1").addSamples(sample(now, 1)),
            v1Series("__name__", "partial_test", "zone", "a", "zone", "b").addSamples(sample(now, 2)),
            v1Series("job", "no-name").addSamples(sample(now, 3)),
            v1Series("__name__", "partial_test", "big", "x".repeat(3000)).addSamples(sample(now, 4)),
            v1Series("__name__", "partial_test", "future", "1").addSamples(sample(now + 11 * 60_000, 5)),
            v1Series("__name__", "partial_test", "micros", "1").addSamples(sample(now * 1000, 6)),
            v1Series("__name__", "partial_test", "seconds", "1").addSamples(sample(now / 1000, 7))));
    assertEquals(400, r.statusCode());
    assertEquals("1", r.headers().firstValue("X-Prometheus-Remote-Write-Samples-Written").orElseThrow());
    assertTrue(r.body().contains("duplicate_label=1 samples/1 series"), r.body());
    assertTrue(r.body().contains("missing_metric_name=1 samples/1 series"), r.body());
    assertTrue(r.body().contains("label_value_too_long=1 samples/1 series"), r.body());
    assertTrue(r.body().contains("too_far_in_future=2 samples"), r.body());
    assertTrue(r.body().contains("too_old=1 samples"), r.body());
    assertEquals(List.of(List.of("{\"ok\": \"1\"}", Long.toString(now), "1")), rows("partial_test"));
  }

  @Test
  void emptyLabelValuesAreDroppedAndUnsortedLabelsShareOneSeries() {
    assertEquals(204, adapter.write(v1(v1Series("__name__", "canon_test", "a", "", "b", "1").addSamples(sample(now - 1000, 1)))).statusCode());
    assertEquals(204, adapter.write(v1(v1Series("b", "1", "__name__", "canon_test").addSamples(sample(now, 2)))).statusCode());
    assertEquals(1, adapter.count("SELECT count(*) FROM series WHERE metric_name = 'canon_test'"));
    assertEquals("{\"b\": \"1\"}", adapter.scalar("SELECT labels::text FROM series WHERE metric_name = 'canon_test'"));
  }

  @Test
  void stalenessMarkersEndTheSeriesAndOtherNaNsAreStoredButNotFinite() {
    HttpResponse<String> r =
        adapter.write(v1(v1Series("__name__", "nan_test")
            .addSamples(sample(now - 3000, 1))
            .addSamples(sample(now - 2000, NORMAL_NAN))
            .addSamples(sample(now - 1000, Double.POSITIVE_INFINITY))
            .addSamples(sample(now, STALE_NAN))));
    assertEquals(204, r.statusCode(), r.body());
    assertEquals("4", r.headers().firstValue("X-Prometheus-Remote-Write-Samples-Written").orElseThrow());
    assertEquals(
        List.of(
            List.of("{}", Long.toString(now - 3000), "1"),
            List.of("{}", Long.toString(now - 2000), "NaN"),
            List.of("{}", Long.toString(now - 1000), "Infinity")),
        rows("nan_test"));
    assertEquals(1, adapter.count("SELECT count(*) FROM samples sm JOIN series s ON s.id = sm.series_id WHERE s.metric_name = 'nan_test' AND is_finite(sm.value)"));
    assertEquals(Long.toString(now), adapter.scalar(
        "SELECT (extract(epoch FROM e.ts) * 1000)::bigint FROM series_ends e JOIN series s ON s.id = e.series_id WHERE s.metric_name = 'nan_test'"));
  }

  @Test
  void metadataOnlyRequestsAreUpserted() {
    var req = io.promledger.proto.v1.Remote.WriteRequest.newBuilder()
        .addMetadata(Types.MetricMetadata.newBuilder().setMetricFamilyName(io.promledger.adapter.support.Payloads.utf8("meta_requests"))
            .setType(Types.MetricMetadata.MetricType.COUNTER).setHelp(io.promledger.adapter.support.Payloads.utf8("Requests.")).setUnit(io.promledger.adapter.support.Payloads.utf8("")))
        .build();
    assertEquals(204, adapter.write(req).statusCode());
    assertEquals(List.of(List.of("counter", "Requests.")), adapter.query("SELECT type, help FROM metric_metadata WHERE metric_family = 'meta_requests'"));
  }

  @Test
  void unsupportedEncodingsAndTypesGet415BeforeTheBodyIsRead() {
    for (String enc : List.of("zstd", "gzip", "deflate")) {
      assertEquals(415, adapter.post(new byte[] {1, 2, 3}, Map.of("Content-Type", TestAdapter.V1_TYPE, "Content-Encoding", enc)).statusCode());
    }
    for (String type : List.of("application/json", "image/png", "application/x-protobuf;proto=foo.Bar")) {
      assertEquals(415, adapter.post(new byte[] {1, 2, 3}, Map.of("Content-Type", type, "Content-Encoding", "snappy")).statusCode());
    }
    assertEquals(400, adapter.post(new byte[] {(byte) 0xff, 1, 2}, Map.of("Content-Type", TestAdapter.V1_TYPE)).statusCode());
  }

  @Test
  void otherMethodsGet405AndTheHttpMiddlewareCountsByRouteTemplate() throws Exception {
    double before = adapter.metric("http_server_requests_total", "route", "unmatched", "status", "405");
    double writesBefore = adapter.metric("http_server_requests_total", "route", "/api/v1/write", "status", "204");
    var http = java.net.http.HttpClient.newHttpClient();
    var get = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(adapter.baseUrl() + "/api/v1/write")).GET().build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(405, get.statusCode());
    var put = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(adapter.baseUrl() + "/api/v1/write"))
        .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("x")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(405, put.statusCode());
    assertEquals(200, adapter.get("/-/healthy").statusCode());
    assertEquals(200, adapter.get("/-/ready").statusCode());
    // no endpoint ran for the 405s, so they have no route template
    assertEquals(2, adapter.metric("http_server_requests_total", "route", "unmatched", "status", "405") - before);
    assertEquals(204, adapter.write(v1(v1Series("__name__", "route_test").addSamples(sample(now, 1)))).statusCode());
    assertEquals(1, adapter.metric("http_server_requests_total", "route", "/api/v1/write", "status", "204") - writesBefore);
  }

  @Test
  void sizeLimits() {
    // a declared decoded size of 33 MiB in the snappy preamble, with no data behind it
    int n = 33 << 20;
    byte[] preamble = {(byte) (n | 0x80), (byte) ((n >>> 7) | 0x80), (byte) ((n >>> 14) | 0x80), (byte) (n >>> 21)};
    HttpResponse<String> r = adapter.post(preamble, Map.of("Content-Type", TestAdapter.V1_TYPE, "Content-Encoding", "snappy"));
    assertEquals(400, r.statusCode());
    assertTrue(r.body().contains("exceeds the limit of 33554432"), r.body());
    assertEquals(413, adapter.post(new byte[(32 << 20) + 1], Map.of("Content-Type", TestAdapter.V1_TYPE)).statusCode());
  }
}
