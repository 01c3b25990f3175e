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
    // the conflicting sample is not stored, so the sender must not be told it was: 400, 1 written
    assertEquals(400, conflict.statusCode(), conflict.body());
    assertEquals("1", conflict.headers().firstValue("X-Prometheus-Remote-Write-Samples-Written").orElseThrow());
    assertTrue(conflict.body().contains("conflicting_duplicate=1 samples"), conflict.body());
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
            v1Series("__name__", "partial_test", "seconds", "1").addSamples(sample(now / 1000, 7)),
            v1Series("__name__", "partial_test", "nul", "a\u0000b").addSamples(sample(now, 8)),
            Types.TimeSeries.newBuilder()
                .addLabels(Types.Label.newBuilder().setName(io.promledger.adapter.support.Payloads.utf8("__name__")).setValue(io.promledger.adapter.support.Payloads.utf8("partial_test")))
                .addLabels(Types.Label.newBuilder().setName(io.promledger.adapter.support.Payloads.utf8("bad")).setValue(com.google.protobuf.ByteString.copyFrom(new byte[] {(byte) 0xc3, 0x28})))
                .addSamples(sample(now, 9))));
    assertEquals(400, r.statusCode());
    assertTrue(r.body().contains("invalid_utf8=2 samples/2 series"), r.body());
    assertEquals("1", r.headers().firstValue("X-Prometheus-Remote-Write-Samples-Written").orElseThrow());
    assertTrue(r.body().contains("duplicate_label=1 samples/1 series"), r.body());
    assertTrue(r.body().contains("missing_metric_name=1 samples/1 series"), r.body());
    assertTrue(r.body().contains("label_value_too_long=1 samples/1 series"), r.body());
    assertTrue(r.body().contains("too_far_in_future=2 samples"), r.body());
    assertTrue(r.body().contains("too_old=1 samples"), r.body());
    assertEquals(List.of(List.of("{\"ok\": \"1\"}", Long.toString(now), "1")), rows("partial_test"));
  }

  @Test
  void conflictingValuesWithinOneRequestAreCountedPerRequest() {
    // three series entries with the same labels in one request: (1,t) (1,t)+(5,t+1s) (9,t)
    HttpResponse<String> r =
        adapter.write(v1(
            v1Series("__name__", "same_request_test").addSamples(sample(now - 5000, 1)),
            v1Series("__name__", "same_request_test").addSamples(sample(now - 5000, 1)).addSamples(sample(now - 4000, 5)),
            v1Series("__name__", "same_request_test").addSamples(sample(now - 5000, 9))));
    assertEquals(400, r.statusCode(), r.body());
    assertEquals("3", r.headers().firstValue("X-Prometheus-Remote-Write-Samples-Written").orElseThrow());
    assertEquals(List.of(List.of("{}", Long.toString(now - 5000), "1"), List.of("{}", Long.toString(now - 4000), "5")),
        rows("same_request_test"));
  }

  @Test
  void badExemplarsMetadataAndStartTimestampsNeverCostTheSamples() {
    double startsBefore = adapter.metric("promledger_remote_write_ignored_total", "reason", "invalid_start_timestamp");
    double metadataBefore = adapter.metric("promledger_remote_write_ignored_total", "reason", "invalid_metadata");
    var req = io.promledger.proto.v1.Remote.WriteRequest.newBuilder()
        .addTimeseries(v1Series("__name__", "advisory_test", "k", "a").addSamples(sample(now, 1))
            .addExemplars(Types.Exemplar.newBuilder().setTimestamp(now).setValue(1)
                .addLabels(Types.Label.newBuilder().setName(io.promledger.adapter.support.Payloads.utf8("")).setValue(io.promledger.adapter.support.Payloads.utf8("x")))))
        .addTimeseries(v1Series("__name__", "advisory_test", "k", "b").addSamples(sample(now, 2))
            .addExemplars(Types.Exemplar.newBuilder().setTimestamp(now).setValue(2)
                .addLabels(Types.Label.newBuilder().setName(io.promledger.adapter.support.Payloads.utf8("trace_id")).setValue(io.promledger.adapter.support.Payloads.utf8("x".repeat(200))))))
        .addMetadata(Types.MetricMetadata.newBuilder().setMetricFamilyName(io.promledger.adapter.support.Payloads.utf8("advisory_test"))
            .setType(Types.MetricMetadata.MetricType.GAUGE).setHelp(io.promledger.adapter.support.Payloads.utf8("a\u0000b")))
        .build();
    HttpResponse<String> r = adapter.write(req);
    assertEquals(400, r.statusCode(), r.body());
    assertEquals("2", r.headers().firstValue("X-Prometheus-Remote-Write-Samples-Written").orElseThrow());
    assertEquals("0", r.headers().firstValue("X-Prometheus-Remote-Write-Exemplars-Written").orElseThrow());
    assertTrue(r.body().contains("invalid_exemplar=2 exemplars"), r.body());
    assertEquals(2, rows("advisory_test").size());
    assertEquals(0, adapter.count("SELECT count(*) FROM metric_metadata WHERE metric_family = 'advisory_test'"));

    io.promledger.adapter.support.Payloads.V2 b = new io.promledger.adapter.support.Payloads.V2();
    b.add(b.series("__name__", "advisory_v2_test")
        .addSamples(io.promledger.proto.v2.Types.Sample.newBuilder().setTimestamp(now).setValue(3).setStartTimestamp(now + 3_600_000))
        .addSamples(io.promledger.proto.v2.Types.Sample.newBuilder().setTimestamp(now + 1).setValue(4).setStartTimestamp(-1))
        .setMetadata(io.promledger.proto.v2.Types.Metadata.newBuilder().setType(io.promledger.proto.v2.Types.Metadata.MetricType.METRIC_TYPE_COUNTER).setHelpRef(50)));
    HttpResponse<String> v2 = adapter.write(b.build());
    assertEquals(204, v2.statusCode(), v2.body());
    assertEquals("2", v2.headers().firstValue("X-Prometheus-Remote-Write-Samples-Written").orElseThrow());
    assertEquals(0, adapter.count("SELECT count(*) FROM series_starts st JOIN series s ON s.id = st.series_id WHERE s.metric_name = 'advisory_v2_test'"));
    assertEquals(2, adapter.metric("promledger_remote_write_ignored_total", "reason", "invalid_start_timestamp") - startsBefore);
    // the NUL in the 1.0 help and the out-of-range help_ref of the 2.0 series
    assertEquals(2, adapter.metric("promledger_remote_write_ignored_total", "reason", "invalid_metadata") - metadataBefore);
  }

  @Test
  void aBodyWithoutAnythingOfTheNamedMessageIs400() {
    byte[] v1Body = TestAdapter.compress(v1(v1Series("__name__", "wrong_type_test").addSamples(sample(now, 1))).toByteArray());
    HttpResponse<String> r = adapter.post(v1Body, Map.of("Content-Type", TestAdapter.V2_TYPE, "Content-Encoding", "snappy"));
    assertEquals(400, r.statusCode(), r.body());
    assertTrue(r.body().contains("check that Content-Type names the message that was sent"), r.body());
    assertEquals(204, adapter.post(TestAdapter.compress(new byte[0]), Map.of("Content-Type", TestAdapter.V2_TYPE)).statusCode());
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

  @Test
  void haLabelsPostgreSQLCannotHoldAreRefusedNotRetried() {
    // A NUL byte in the cluster label once reached the HA lease query, failed there, and was
    // answered 503: Prometheus would have resent the request for ever.
    HttpResponse<String> r =
        adapter.write(v1(
            v1Series("__name__", "ha_text_test", "cluster", "eu\u0000x", "__replica__", "a").addSamples(sample(now - 1000, 1)),
            v1Series("__name__", "ha_text_test", "cluster", "eu2", "__replica__", "a").addSamples(sample(now - 1000, 2))));
    assertEquals(400, r.statusCode(), r.body());
    assertTrue(r.body().contains("contains a NUL byte"), r.body());
    assertEquals("1", r.headers().firstValue("X-Prometheus-Remote-Write-Samples-Written").orElseThrow());
    assertEquals(List.of(List.of("{\"cluster\": \"eu2\"}", Long.toString(now - 1000), "2")), rows("ha_text_test"));
  }
}
