package io.promledger.adapter.ingest;

import static io.promledger.adapter.support.Payloads.sample;
import static io.promledger.adapter.support.Payloads.v1;
import static io.promledger.adapter.support.Payloads.v1Series;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promledger.adapter.support.TestAdapter;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** With PostgreSQL down the adapter answers 503 (never 2xx, never 4xx) and recovers on its own. */
class DatabaseOutageTest {
  @Test
  void writesGet503WhileTheDatabaseIsDownAndAreStoredOnceAfterwards() throws Exception {
    try (TestAdapter adapter = TestAdapter.start("--db.connect-timeout=1s", "--ingest.commit-timeout=5s")) {
      long now = System.currentTimeMillis();
      var request = v1(v1Series("__name__", "outage_test", "job", "x").addSamples(sample(now - 1000, 1)).addSamples(sample(now, 2)));
      adapter.stopPostgres();
      HttpResponse<String> down = adapter.write(request);
      assertEquals(503, down.statusCode(), down.body());
      assertEquals("1", down.headers().firstValue("Retry-After").orElseThrow());
      assertEquals("0", down.headers().firstValue("X-Prometheus-Remote-Write-Samples-Written").orElseThrow());
      long deadline = System.currentTimeMillis() + 20_000;
      while (adapter.get("/-/ready").statusCode() == 200 && System.currentTimeMillis() < deadline) {
        Thread.sleep(100);
      }
      assertEquals(503, adapter.get("/-/ready").statusCode());
      assertEquals(0, adapter.metric("promledger_database_up"));

      adapter.startPostgres();
      HttpResponse<String> up = adapter.write(request);
      while (up.statusCode() == 503 && System.currentTimeMillis() < deadline + 20_000) {
        Thread.sleep(200);
        up = adapter.write(request); // what Prometheus does: retry the same request
      }
      assertEquals(204, up.statusCode(), up.body());
      assertEquals(204, adapter.write(request).statusCode());
      assertEquals(2, adapter.count("SELECT count(*) FROM samples sm JOIN series s ON s.id = sm.series_id WHERE s.metric_name = 'outage_test'"));
      assertTrue(adapter.metric("promledger_database_errors_total", "kind", "transient") >= 1);
    }
  }
}
