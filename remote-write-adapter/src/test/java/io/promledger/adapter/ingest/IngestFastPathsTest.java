package io.promledger.adapter.ingest;

import static io.promledger.adapter.support.Payloads.sample;
import static io.promledger.adapter.support.Payloads.utf8;
import static io.promledger.adapter.support.Payloads.v1;
import static io.promledger.adapter.support.Payloads.v1Series;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.CodedOutputStream;
import io.promledger.adapter.storage.StorageMaintenance;
import io.promledger.adapter.support.TestAdapter;
import io.promledger.proto.v1.Types;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The paths that keep steady ingest cheap: known series recognised by their labels' bytes as
 * sent, series ids handed out in request order, and COPY straight into the day's partition.
 * Each must store exactly what the general path stores.
 */
class IngestFastPathsTest {
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
    now = System.currentTimeMillis() / 1000 * 1000;
  }

  private List<List<String>> rows(String metric) {
    return adapter.query(
        "SELECT s.tenant, s.labels::text, (extract(epoch FROM sm.ts) * 1000)::bigint, sm.value::text FROM samples sm "
            + "JOIN series s ON s.id = sm.series_id WHERE s.metric_name = '" + metric + "' ORDER BY s.tenant, sm.ts");
  }

  @Test
  void aSeriesSentAgainIsFoundByItsBytesAndInAnotherLabelOrderByItsCanonicalLabels() {
    double hits = adapter.metric("promledger_series_cache_hits_total");
    double misses = adapter.metric("promledger_series_cache_misses_total");
    assertEquals(204, adapter.write(v1(v1Series("__name__", "known_test", "job", "x").addSamples(sample(now - 3000, 1)))).statusCode());
    assertEquals(204, adapter.write(v1(v1Series("__name__", "known_test", "job", "x").addSamples(sample(now - 2000, 2)))).statusCode());
    assertEquals(204, adapter.write(v1(v1Series("job", "x", "__name__", "known_test").addSamples(sample(now - 1000, 3)))).statusCode());
    assertEquals(
        List.of(
            List.of("default", "{\"job\": \"x\"}", Long.toString(now - 3000), "1"),
            List.of("default", "{\"job\": \"x\"}", Long.toString(now - 2000), "2"),
            List.of("default", "{\"job\": \"x\"}", Long.toString(now - 1000), "3")),
        rows("known_test"));
    assertEquals(1, adapter.count("SELECT count(*) FROM series WHERE metric_name = 'known_test'"));
    // the first request looked the series up in PostgreSQL; the second and third found it cached
    assertEquals(1, adapter.metric("promledger_series_cache_misses_total") - misses);
    assertEquals(2, adapter.metric("promledger_series_cache_hits_total") - hits);
  }

  @Test
  void tenantsSendingTheSameBytesHaveSeriesOfTheirOwn() {
    byte[] first = TestAdapter.compress(v1(v1Series("__name__", "tenant_bytes_test").addSamples(sample(now - 2000, 5))).toByteArray());
    byte[] second = TestAdapter.compress(v1(v1Series("__name__", "tenant_bytes_test").addSamples(sample(now - 1000, 6))).toByteArray());
    for (String tenant : List.of("team-a", "team-b")) {
      assertEquals(204, adapter.post(first, headers(tenant)).statusCode());
      assertEquals(204, adapter.post(second, headers(tenant)).statusCode());
    }
    assertEquals(
        List.of(
            List.of("team-a", "{}", Long.toString(now - 2000), "5"),
            List.of("team-a", "{}", Long.toString(now - 1000), "6"),
            List.of("team-b", "{}", Long.toString(now - 2000), "5"),
            List.of("team-b", "{}", Long.toString(now - 1000), "6")),
        rows("tenant_bytes_test"));
  }

  @Test
  void labelsSentBetweenSamplesAreStillTheSameSeries() throws IOException {
    Types.Label name = Types.Label.newBuilder().setName(utf8("__name__")).setValue(utf8("interleaved_test")).build();
    Types.Label job = Types.Label.newBuilder().setName(utf8("job")).setValue(utf8("x")).build();
    for (int round = 0; round < 2; round++) {
      ByteArrayOutputStream series = new ByteArrayOutputStream();
      CodedOutputStream out = CodedOutputStream.newInstance(series);
      out.writeMessage(1, name);
      out.writeMessage(2, sample(now - 2000 + round * 1000, 10 + round));
      out.writeMessage(1, job);
      out.flush();
      ByteArrayOutputStream request = new ByteArrayOutputStream();
      CodedOutputStream req = CodedOutputStream.newInstance(request);
      req.writeByteArray(1, series.toByteArray());
      req.flush();
      assertEquals(204, adapter.post(TestAdapter.compress(request.toByteArray()), headers(null)).statusCode());
    }
    assertEquals(204, adapter.write(v1(v1Series("__name__", "interleaved_test", "job", "x").addSamples(sample(now, 12)))).statusCode());
    assertEquals(
        List.of(
            List.of("default", "{\"job\": \"x\"}", Long.toString(now - 2000), "10"),
            List.of("default", "{\"job\": \"x\"}", Long.toString(now - 1000), "11"),
            List.of("default", "{\"job\": \"x\"}", Long.toString(now), "12")),
        rows("interleaved_test"));
  }

  @Test
  void aKnownSeriesRefusedForItsTimestampIsNamedInTheAnswer() {
    assertEquals(204, adapter.write(v1(v1Series("__name__", "known_window_test", "job", "x").addSamples(sample(now - 1000, 1)))).statusCode());
    HttpResponse<String> r =
        adapter.write(v1(v1Series("__name__", "known_window_test", "job", "x").addSamples(sample(now + 3_600_000L, 2))));
    assertEquals(400, r.statusCode());
    assertTrue(r.body().contains("sample of known_window_test{job=\"x\"} at " + (now + 3_600_000L) + " ms"), r.body());
    assertEquals(1, rows("known_window_test").size());
  }

  @Test
  void labelsThatAreNotTextAreRefusedEvenWithTheHashOfAKnownSeries() {
    // The canonical bytes separate names and values with 0xff, so {__name__="hash_clash_test\xffb\xffc"}
    // has the canonical bytes, and the hash, of {__name__="hash_clash_test", b="c"}.
    assertEquals(204, adapter.write(v1(v1Series("__name__", "hash_clash_test", "b", "c").addSamples(sample(now - 3000, 1)))).statusCode());
    byte[] name = "hash_clash_test".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] clash = java.util.Arrays.copyOf(name, name.length + 4);
    System.arraycopy(new byte[] {(byte) 0xff, 'b', (byte) 0xff, 'c'}, 0, clash, name.length, 4);
    for (int round = 0; round < 2; round++) {
      HttpResponse<String> r = adapter.write(v1(Types.TimeSeries.newBuilder()
          .addLabels(Types.Label.newBuilder().setName(utf8("__name__")).setValue(com.google.protobuf.ByteString.copyFrom(clash)))
          .addSamples(sample(now - 2000 + round * 1000, 2 + round))));
      assertEquals(400, r.statusCode(), r.body());
      assertTrue(r.body().contains("invalid_utf8=1 samples/1 series"), r.body());
    }
    assertEquals(List.of(List.of("default", "{\"b\": \"c\"}", Long.toString(now - 3000), "1")), rows("hash_clash_test"));
  }

  @Test
  void newSeriesOfOneRequestGetConsecutiveIdsInTheOrderSent() {
    String[] order = {"m", "c", "x", "a", "q"};
    Types.TimeSeries.Builder[] series = new Types.TimeSeries.Builder[order.length];
    for (int i = 0; i < order.length; i++) {
      series[i] = v1Series("__name__", "id_order_test", "k", order[i]).addSamples(sample(now - 1000, i));
    }
    assertEquals(204, adapter.write(v1(series)).statusCode());
    List<List<String>> ids = adapter.query("SELECT labels ->> 'k', id FROM series WHERE metric_name = 'id_order_test' ORDER BY id");
    long first = Long.parseLong(ids.get(0).get(1));
    for (int i = 0; i < order.length; i++) {
      assertEquals(List.of(order[i], Long.toString(first + i)), ids.get(i));
    }
  }

  @Test
  void aCommitSpanningTwoDaysAndADayWithoutItsPartitionAreStored() {
    long yesterday = now - 86_400_000L;
    long threeDaysAgo = now - 3 * 86_400_000L;
    LocalDate day = LocalDate.ofInstant(Instant.ofEpochMilli(threeDaysAgo), ZoneOffset.UTC);
    adapter.execute("DROP TABLE IF EXISTS " + StorageMaintenance.partitionName(day));
    assertEquals(204, adapter.write(v1(v1Series("__name__", "days_test", "d", "two").addSamples(sample(yesterday, 1)).addSamples(sample(now, 2)))).statusCode());
    assertEquals(204, adapter.write(v1(v1Series("__name__", "days_test", "d", "dropped").addSamples(sample(threeDaysAgo, 3)))).statusCode());
    assertEquals(
        List.of(Long.toString(threeDaysAgo), Long.toString(yesterday), Long.toString(now)),
        rows("days_test").stream().map(r -> r.get(2)).toList());
    assertEquals(1, adapter.count("SELECT count(*) FROM pg_tables WHERE schemaname = 'promledger' AND tablename = '"
        + StorageMaintenance.partitionName(day) + "'"));
  }

  @Test
  void samplesOfOneDayAreCopiedStraightIntoItsPartitionRowByRow() {
    assertEquals(204, adapter.write(v1(v1Series("__name__", "copy_target_test").addSamples(sample(now - 1000, 1)))).statusCode());
    String partition = StorageMaintenance.partitionName(LocalDate.ofInstant(Instant.ofEpochMilli(now - 1000), ZoneOffset.UTC));
    // pg_stat_statements (preloaded by the embedded server) records the statements as run
    assertEquals(1, adapter.count("SELECT count(*) FROM public.pg_stat_statements WHERE query = 'COPY " + partition
        + " (series_id, ts, value) FROM STDIN (FORMAT binary) WHERE random() >= 0'"));
  }

  private static Map<String, String> headers(String tenant) {
    return tenant == null
        ? Map.of("Content-Type", TestAdapter.V1_TYPE, "Content-Encoding", "snappy", "X-Prometheus-Remote-Write-Version", "0.1.0")
        : Map.of("Content-Type", TestAdapter.V1_TYPE, "Content-Encoding", "snappy", "X-Prometheus-Remote-Write-Version", "0.1.0",
            "X-Scope-OrgID", tenant);
  }
}
