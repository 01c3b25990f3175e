package io.promledger.adapter.ingest;

import static io.promledger.adapter.support.Payloads.NORMAL_NAN;
import static io.promledger.adapter.support.Payloads.STALE_NAN;
import static io.promledger.adapter.support.Payloads.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.UnknownFieldSet;
import io.promledger.adapter.support.Payloads;
import io.promledger.adapter.support.TestAdapter;
import io.promledger.proto.v1.Remote.WriteRequest;
import io.promledger.proto.v1.Types;
import io.promledger.proto.v2.Types.Metadata.MetricType;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The receiver cases of the Prometheus remote-write 2.0 compliance suite, each also sent as
 * remote write 1.0. Like the suite, a 2xx must carry exactly the expected Written counts and a
 * refusal must be exactly 400 with no more written than expected; unlike the suite, every case
 * also checks the rows in PostgreSQL.
 */
class ComplianceReceiverTest {
  static TestAdapter adapter;
  static final AtomicInteger unique = new AtomicInteger();

  @BeforeAll
  static void start() {
    adapter = TestAdapter.start();
  }

  @AfterAll
  static void stop() {
    adapter.close();
  }

  enum Proto { V1, V2 }

  /** A series as the suite describes it, encodable in both protocols. */
  record S(String[] labels, List<long[]> samples, List<double[]> values, List<Ex> exemplars, MetricType type, String help, String unit) {
    static S of(String... labels) {
      return new S(labels, new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), null, "", "");
    }

    S sample(long ts, double v) {
      samples.add(new long[] {ts});
      values.add(new double[] {v});
      return this;
    }

    S exemplar(long ts, double v, String... labels) {
      exemplars.add(new Ex(ts, v, labels));
      return this;
    }

    S meta(MetricType t, String h, String u) {
      return new S(labels, samples, values, exemplars, t, h, u);
    }
  }

  record Ex(long ts, double value, String[] labels) {}

  static HttpResponse<String> send(Proto p, S... series) {
    return p == Proto.V1 ? adapter.write(v1(series)) : adapter.write(v2(series));
  }

  static WriteRequest v1(S... series) {
    WriteRequest.Builder b = WriteRequest.newBuilder();
    for (S s : series) {
      Types.TimeSeries.Builder t = Payloads.v1Series(s.labels());
      for (int i = 0; i < s.samples().size(); i++) {
        t.addSamples(Payloads.sample(s.samples().get(i)[0], s.values().get(i)[0]));
      }
      for (Ex e : s.exemplars()) {
        Types.Exemplar.Builder eb = Types.Exemplar.newBuilder().setTimestamp(e.ts()).setValue(e.value());
        for (int i = 0; i < e.labels().length; i += 2) {
          eb.addLabels(Types.Label.newBuilder().setName(utf8(e.labels()[i])).setValue(utf8(e.labels()[i + 1])));
        }
        t.addExemplars(eb);
      }
      b.addTimeseries(t);
      if (s.type() != null) {
        String name = "";
        for (int i = 0; i < s.labels().length; i += 2) {
          if (s.labels()[i].equals("__name__")) {
            name = s.labels()[i + 1];
          }
        }
        b.addMetadata(Types.MetricMetadata.newBuilder()
            .setMetricFamilyName(utf8(name))
            .setType(Types.MetricMetadata.MetricType.forNumber(s.type().getNumber()))
            .setHelp(utf8(s.help())).setUnit(utf8(s.unit())));
      }
    }
    return b.build();
  }

  static io.promledger.proto.v2.Types.Request v2(S... series) {
    Payloads.V2 b = new Payloads.V2();
    for (S s : series) {
      var t = b.series(s.labels());
      for (int i = 0; i < s.samples().size(); i++) {
        t.addSamples(Payloads.v2Sample(s.samples().get(i)[0], s.values().get(i)[0]));
      }
      for (Ex e : s.exemplars()) {
        t.addExemplars(io.promledger.proto.v2.Types.Exemplar.newBuilder().setTimestamp(e.ts()).setValue(e.value()).addAllLabelsRefs(b.refs(e.labels())));
      }
      if (s.type() != null) {
        t.setMetadata(io.promledger.proto.v2.Types.Metadata.newBuilder().setType(s.type()).setHelpRef(b.ref(s.help())).setUnitRef(b.ref(s.unit())));
      }
      b.add(t);
    }
    return b.build();
  }

  static long now() {
    return System.currentTimeMillis();
  }

  static String name(String base) {
    return base + "_" + unique.incrementAndGet();
  }

  static void assertWritten(HttpResponse<String> r, int status, long samples, long exemplars) {
    assertEquals(status, r.statusCode(), r.body());
    assertEquals(Long.toString(samples), r.headers().firstValue("X-Prometheus-Remote-Write-Samples-Written").orElse("0"), r.body());
    assertEquals("0", r.headers().firstValue("X-Prometheus-Remote-Write-Histograms-Written").orElse("0"));
    assertEquals(Long.toString(exemplars), r.headers().firstValue("X-Prometheus-Remote-Write-Exemplars-Written").orElse("0"), r.body());
  }

  static long stored(String metric) {
    return adapter.count("SELECT count(*) FROM samples sm JOIN series s ON s.id = sm.series_id WHERE s.metric_name = '" + metric + "'")
        + adapter.count("SELECT count(*) FROM series_ends e JOIN series s ON s.id = e.series_id WHERE s.metric_name = '" + metric + "'");
  }

  static Stream<Arguments> floatCases() {
    List<Arguments> out = new ArrayList<>();
    double[] values = {1.0, STALE_NAN, NORMAL_NAN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
    String[][] shapes = {
      {"up"},
      {"up", "job", "test", "instance", "localhost:9090"},
      {"up", "job", "test\njob\n"},
      {"resource.cpu.usage", "job.name", "test"},
      {"resource cpu usage", "job name", "test"},
    };
    for (Proto p : Proto.values()) {
      for (String[] shape : shapes) {
        for (double v : values) {
          out.add(Arguments.of(p, shape, v));
        }
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} {1} value={2}")
  @MethodSource("floatCases")
  void floatSampleShapesAreStored(Proto p, String[] shape, double value) {
    String metric = name(shape[0]);
    String[] labels = new String[shape.length + 1];
    labels[0] = "__name__";
    labels[1] = metric;
    System.arraycopy(shape, 1, labels, 2, shape.length - 1);
    assertWritten(send(p, S.of(labels).sample(now(), value)), 204, 1, 0);
    assertEquals(1, stored(metric));
  }

  @ParameterizedTest
  @EnumSource(Proto.class)
  void seriesWithoutNameOrWithoutLabelsAreRefused(Proto p) {
    assertWritten(send(p, S.of("job", "test").sample(now(), 1)), 400, 0, 0);
    assertWritten(send(p, S.of().sample(now(), 1)), 400, 0, 0);
    assertWritten(send(p, S.of("__name__", "").sample(now(), 1)), 400, 0, 0);
  }

  @ParameterizedTest
  @EnumSource(Proto.class)
  void multipleMetricsWithPartialWrite(Proto p) {
    String m = name("multi");
    assertWritten(send(p, S.of("__name__", m, "i", "1").sample(now(), 1), S.of("__name__", m, "i", "2").sample(now(), 1),
        S.of("__name__", m, "i", "3").sample(now(), 1), S.of("__name__", m, "i", "4").sample(now(), 1)), 204, 4, 0);
    assertWritten(send(p, S.of("i", "1").sample(now(), 1), S.of("i", "2").sample(now(), 1), S.of("i", "3").sample(now(), 1), S.of("i", "4").sample(now(), 1)), 400, 0, 0);
    String m2 = name("multi_partial");
    assertWritten(send(p, S.of("__name__", m2, "i", "1").sample(now(), 1), S.of("i", "2").sample(now(), 1),
        S.of("__name__", m2, "i", "3").sample(now(), 1), S.of("__name__", m2, "i", "4").sample(now(), 1)), 400, 3, 0);
    assertEquals(3, stored(m2));
  }

  @Test
  void counterWithAStartTimestampOfEitherDraft() {
    String m = name("requests_total");
    long now = now();
    Payloads.V2 b = new Payloads.V2();
    // rc.3 senders (the compliance suite) put the created timestamp in TimeSeries field 6: ignored.
    var rc3 = b.series("__name__", m, "draft", "rc3")
        .addSamples(Payloads.v2Sample(now, 5))
        .setMetadata(io.promledger.proto.v2.Types.Metadata.newBuilder().setType(MetricType.METRIC_TYPE_COUNTER))
        .setUnknownFields(UnknownFieldSet.newBuilder()
            .addField(6, UnknownFieldSet.Field.newBuilder().addVarint(now - 3_600_000).build()).build());
    var rc4 = b.series("__name__", m, "draft", "rc4")
        .addSamples(io.promledger.proto.v2.Types.Sample.newBuilder().setTimestamp(now).setValue(7).setStartTimestamp(now - 3_600_000))
        .setMetadata(io.promledger.proto.v2.Types.Metadata.newBuilder().setType(MetricType.METRIC_TYPE_COUNTER));
    assertWritten(adapter.write(b.add(rc3).add(rc4).build()), 204, 2, 0);
    assertEquals(2, stored(m));
    assertEquals(List.of(List.of("{\"draft\": \"rc4\"}", Long.toString(now - 3_600_000))), adapter.query(
        "SELECT s.labels::text, (extract(epoch FROM st.start_ts) * 1000)::bigint FROM series_starts st JOIN series s ON s.id = st.series_id WHERE s.metric_name = '" + m + "'"));
    assertEquals("counter", adapter.scalar("SELECT type FROM metric_metadata WHERE metric_family = '" + m + "'"));
  }

  @ParameterizedTest
  @EnumSource(Proto.class)
  void metadataOfEveryTypeIsStored(Proto p) {
    for (MetricType t : List.of(MetricType.METRIC_TYPE_COUNTER, MetricType.METRIC_TYPE_GAUGE, MetricType.METRIC_TYPE_UNSPECIFIED,
        MetricType.METRIC_TYPE_INFO, MetricType.METRIC_TYPE_STATESET, MetricType.METRIC_TYPE_SUMMARY, MetricType.METRIC_TYPE_GAUGEHISTOGRAM,
        MetricType.METRIC_TYPE_HISTOGRAM)) {
      String m = name("meta");
      assertWritten(send(p, S.of("__name__", m, "job", "x").sample(now(), 1).meta(t, "Help with a\nnewline and \"quotes\".", "bytes/sec")), 204, 1, 0);
      String expected = t == MetricType.METRIC_TYPE_UNSPECIFIED ? "unknown" : t.name().substring(12).toLowerCase();
      assertEquals(List.of(List.of(expected, "Help with a\nnewline and \"quotes\".", "bytes/sec")),
          adapter.query("SELECT type, help, unit FROM metric_metadata WHERE metric_family = '" + m + "'"));
    }
    String m = name("meta_empty");
    assertWritten(send(p, S.of("__name__", m).sample(now(), 1).meta(MetricType.METRIC_TYPE_GAUGE, "", "")), 204, 1, 0);
    assertWritten(send(p, S.of("job", "x").sample(now(), 1).meta(MetricType.METRIC_TYPE_GAUGE, "h", "")), 400, 0, 0);
  }

  @ParameterizedTest
  @EnumSource(Proto.class)
  void nativeHistogramsAreRefusedWhileFloatsAreWritten(Proto p) {
    String m = name("hist");
    HttpResponse<String> r;
    if (p == Proto.V1) {
      r = adapter.write(WriteRequest.newBuilder()
          .addTimeseries(Payloads.v1Series("__name__", m + "_floats").addSamples(Payloads.sample(now(), 1)))
          .addTimeseries(Payloads.v1Series("__name__", m).addHistograms(Types.Histogram.newBuilder().setCountInt(1).setTimestamp(now())))
          .build());
    } else {
      Payloads.V2 b = new Payloads.V2();
      b.add(b.series("__name__", m + "_floats").addSamples(Payloads.v2Sample(now(), 1)));
      b.add(b.series("__name__", m).addHistograms(io.promledger.proto.v2.Types.Histogram.newBuilder().setCountInt(1).setTimestamp(now())));
      r = adapter.write(b.build());
    }
    assertWritten(r, 400, 1, 0);
    assertEquals(true, r.body().contains("native histograms are not stored"), r.body());
    assertEquals(1, stored(m + "_floats"));
  }

  @ParameterizedTest
  @EnumSource(Proto.class)
  void exemplarsAreStoredWithTheirLabels(Proto p) {
    String m = name("ex");
    long now = now();
    S s = S.of("__name__", m, "job", "x").sample(now, 1)
        .exemplar(now - 3, 0, "trace_id", "abc")
        .exemplar(now - 2, -123.456, "trace_id", "def", "span_id", "1")
        .exemplar(now - 1, 1e10)
        .exemplar(now, Double.NaN, "unicode_trace_测试", "🚀");
    assertWritten(send(p, s), 204, 1, 4);
    assertEquals(List.of(
        List.of("0", "{\"trace_id\": \"abc\"}"),
        List.of("-123.456", "{\"span_id\": \"1\", \"trace_id\": \"def\"}"),
        List.of("10000000000", "{}"),
        List.of("NaN", "{\"unicode_trace_测试\": \"🚀\"}")),
        adapter.query("SELECT e.value::text, e.labels::text FROM exemplars e JOIN series s ON s.id = e.series_id WHERE s.metric_name = '" + m + "' ORDER BY e.ts"));
    String m2 = name("ex_three");
    assertWritten(send(p,
        S.of("__name__", m2).sample(now - 3_600_000, 1).exemplar(now - 3_600_000, 1, "trace_id", "a"),
        S.of("__name__", m2).sample(now - 60_000, 2).exemplar(now - 60_000, 2, "trace_id", "b"),
        S.of("__name__", m2).sample(now, 3).exemplar(now, 3, "trace_id", "c")), 204, 3, 3);
    assertWritten(send(p, S.of("job", "x").sample(now, 1).exemplar(now, 1, "trace_id", "a")), 400, 0, 0);
  }

  @ParameterizedTest
  @EnumSource(Proto.class)
  void orphanMetadataAndOrphanExemplarsSucceed(Proto p) {
    String m = name("orphan");
    assertWritten(send(p, S.of("__name__", m).meta(MetricType.METRIC_TYPE_GAUGE, "only metadata", "")), 204, 0, 0);
    assertEquals("only metadata", adapter.scalar("SELECT help FROM metric_metadata WHERE metric_family = '" + m + "'"));
    assertWritten(send(p, S.of("__name__", m + "_ex").exemplar(now(), 1, "trace_id", "x")), 204, 0, 1);
  }

  @ParameterizedTest
  @EnumSource(Proto.class)
  void fiftySeriesWithFiftyExemplarsAndSpecialCharacters(Proto p) {
    String m = name("fifty");
    S[] series = new S[50];
    for (int i = 0; i < 50; i++) {
      series[i] = S.of("__name__", m, "job", "test-job_with.special@chars", "i", "test🚀" + i).sample(now(), i).exemplar(now(), i, "trace_id", "t" + i)
          .meta(MetricType.METRIC_TYPE_GAUGE, "äöü", "");
    }
    assertWritten(send(p, series), 204, 50, 50);
    assertEquals(50, stored(m));
  }

  @Test
  void badSymbolReferencesAreRefusedPerSeries() {
    String m = name("refs");
    Payloads.V2 b = new Payloads.V2();
    b.add(b.series("__name__", m).addSamples(Payloads.v2Sample(now(), 1)));
    b.add(io.promledger.proto.v2.Types.TimeSeries.newBuilder().addLabelsRefs(0).addLabelsRefs(99).addSamples(Payloads.v2Sample(now(), 2)));
    b.add(io.promledger.proto.v2.Types.TimeSeries.newBuilder().addLabelsRefs(1).addSamples(Payloads.v2Sample(now(), 3)));
    b.add(b.series("__name__", m + "_unit").addSamples(Payloads.v2Sample(now(), 4))
        .setMetadata(io.promledger.proto.v2.Types.Metadata.newBuilder().setType(MetricType.METRIC_TYPE_GAUGE).setUnitRef(1000)));
    HttpResponse<String> r = adapter.write(b.build());
    // metadata is advisory: a bad unit_ref drops the metadata, not the series
    assertWritten(r, 400, 2, 0);
    assertEquals(true, r.body().contains("invalid_symbol_reference=2 samples/2 series"), r.body());
    assertEquals(1, stored(m));
    assertEquals(1, stored(m + "_unit"));
  }

  @ParameterizedTest
  @EnumSource(Proto.class)
  void aCorruptSnappyBodyIs400(Proto p) {
    byte[] body = TestAdapter.compress(p == Proto.V1 ? v1(S.of("__name__", "x").sample(now(), 1)).toByteArray() : v2(S.of("__name__", "x").sample(now(), 1)).toByteArray());
    body[0] = (byte) 0xff;
    body[1] = (byte) 0xff;
    HttpResponse<String> r = adapter.post(body, Map.of("Content-Type", p == Proto.V1 ? TestAdapter.V1_TYPE : TestAdapter.V2_TYPE, "Content-Encoding", "snappy"));
    assertEquals(400, r.statusCode(), r.body());
  }

  @Test
  void plainRemoteWrite1WithoutVersionHeader() {
    String m = name("plain_v1");
    byte[] body = TestAdapter.compress(v1(S.of("__name__", m).sample(now(), 1)).toByteArray());
    assertEquals(204, adapter.post(body, Map.of("Content-Type", "application/x-protobuf", "Content-Encoding", "snappy")).statusCode());
    assertEquals(1, stored(m));
  }
}
