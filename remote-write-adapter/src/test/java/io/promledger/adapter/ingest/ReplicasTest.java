package io.promledger.adapter.ingest;

import static io.promledger.adapter.support.Payloads.sample;
import static io.promledger.adapter.support.Payloads.v1Series;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.promledger.adapter.Adapter;
import io.promledger.adapter.cli.ServeCommand;
import io.promledger.adapter.support.TestAdapter;
import io.promledger.proto.v1.Remote.WriteRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Two adapter replicas on one database create the same new series at the same moment. */
class ReplicasTest {
  @Test
  void concurrentReplicasCreateEachSeriesOnceAndStoreEverySample() throws Exception {
    try (TestAdapter a = TestAdapter.start()) {
      ServeCommand cmd = CommandLine.populateCommand(new ServeCommand(), "--db.url=" + a.jdbcUrl(), "--web.listen-address=127.0.0.1:0");
      try (Adapter b = Adapter.start(cmd.settings())) {
        long now = System.currentTimeMillis();
        List<String> targets = List.of(a.baseUrl(), "http://127.0.0.1:" + b.port());
        HttpClient http = HttpClient.newHttpClient();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<Integer>> results = new ArrayList<>();
        // 8 senders, 4 per replica, each with the same 400 new series; sender k writes timestamp now - k s
        for (int k = 0; k < 8; k++) {
          WriteRequest.Builder req = WriteRequest.newBuilder();
          for (int s = 0; s < 400; s++) {
            req.addTimeseries(v1Series("__name__", "replica_test", "series", Integer.toString(s)).addSamples(sample(now - k * 1000L, s)));
          }
          byte[] body = TestAdapter.compress(req.build().toByteArray());
          String target = targets.get(k % 2);
          Callable<Integer> send = () -> http.send(HttpRequest.newBuilder(URI.create(target + "/api/v1/write"))
                  .header("Content-Type", TestAdapter.V1_TYPE).header("Content-Encoding", "snappy")
                  .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
          results.add(pool.submit(send));
        }
        for (Future<Integer> r : results) {
          assertEquals(204, r.get());
        }
        pool.shutdown();
        assertEquals(400, a.count("SELECT count(*) FROM series WHERE metric_name = 'replica_test'"));
        assertEquals(3200, a.count("SELECT count(*) FROM samples sm JOIN series s ON s.id = sm.series_id WHERE s.metric_name = 'replica_test'"));
        assertEquals(List.of(List.of("400", "0", "399")), a.query(
            "SELECT count(DISTINCT s.id), min(sm.value)::int, max(sm.value)::int FROM samples sm JOIN series s ON s.id = sm.series_id "
                + "WHERE s.metric_name = 'replica_test' AND sm.ts = to_timestamp(" + now + " / 1000.0)"));
      }
    }
  }
}
