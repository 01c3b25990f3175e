package io.promledger.adapter.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.promledger.adapter.support.ExternalProcess;
import io.promledger.adapter.support.StoredSamples;
import io.promledger.adapter.support.TestAdapter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * vmagent (VictoriaMetrics 1.79, which sends snappy remote write 1.0) scrapes a target whose
 * samples carry explicit timestamps, so the test knows exactly what must arrive: PostgreSQL must
 * hold exactly those samples, once each, although vmagent sends repeated scrapes of them.
 */
class VmagentEndToEndTest {

  @Test
  @Timeout(180)
  void everySampleVmagentScrapedIsStoredExactlyOnce(@TempDir Path dir) throws Exception {
    Map<String, TreeMap<Long, Double>> served = new TreeMap<>();
    long base = System.currentTimeMillis() / 1000 * 1000;
    int[] scrape = {0};
    HttpServer target = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    target.createContext("/metrics", ex -> {
      StringBuilder b = new StringBuilder("# TYPE vm_billing_test_total counter\n");
      synchronized (served) {
        // a new timestamp for each of the first 10 scrapes, then the same samples again and again
        int step = Math.min(scrape[0]++, 9);
        long ts = base - 60_000 + step * 1000L;
        for (int c = 0; c < 5; c++) {
          double v = 100 * c + step * 2.5;
          b.append("vm_billing_test_total{customer=\"c").append(c).append("\"} ").append(v).append(' ').append(ts).append('\n');
          served.computeIfAbsent(
                  "{__name__=vm_billing_test_total, customer=c" + c + ", instance=127.0.0.1:" + ex.getLocalAddress().getPort() + ", job=billing}",
                  k -> new TreeMap<>())
              .put(ts, v);
        }
      }
      byte[] body = b.toString().getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4");
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    target.start();
    try (TestAdapter adapter = TestAdapter.start()) {
      Files.writeString(dir.resolve("scrape.yml"), """
          global:
            scrape_interval: 1s
          scrape_configs:
            - job_name: billing
              static_configs: [{targets: ['127.0.0.1:%d']}]
          """.formatted(target.getAddress().getPort()));
      int vmPort = ExternalProcess.freePort();
      try (ExternalProcess vmagent = ExternalProcess.start("vmagent", Files.createDirectories(dir.resolve("logs")), List.of("vmagent",
          "-promscrape.config=" + dir.resolve("scrape.yml"), "-remoteWrite.url=" + adapter.baseUrl() + "/api/v1/write",
          "-remoteWrite.flushInterval=1s", "-remoteWrite.tmpDataPath=" + dir.resolve("vmagent-data"),
          "-httpListenAddr=127.0.0.1:" + vmPort))) {
        vmagent.awaitHttp200("http://127.0.0.1:" + vmPort + "/metrics", Duration.ofSeconds(30));
        long deadline = System.currentTimeMillis() + 90_000;
        Map<String, TreeMap<Long, Double>> stored = Map.of();
        while (System.currentTimeMillis() < deadline) {
          Thread.sleep(1000);
          synchronized (served) {
            if (scrape[0] < 15) {
              continue;
            }
          }
          stored = StoredSamples.read(adapter.jdbcUrl(), "^vm_billing_test_total$", base - 120_000, base + 60_000);
          if (StoredSamples.sampleCount(stored) >= 50) {
            break;
          }
        }
        Thread.sleep(2000); // let the repeats of the last scrapes arrive too
        stored = StoredSamples.read(adapter.jdbcUrl(), "^vm_billing_test_total$", base - 120_000, base + 60_000);
        Map<String, TreeMap<Long, Double>> expected;
        synchronized (served) {
          expected = new TreeMap<>(served);
        }
        List<String> diffs = StoredSamples.differences(expected, stored);
        assertTrue(diffs.isEmpty(), "vmagent's samples and PostgreSQL differ:\n" + String.join("\n", diffs));
        assertEquals(50, StoredSamples.sampleCount(stored));
        assertTrue(adapter.metric("promledger_remote_write_duplicate_samples_total", "kind", "exact") > 0,
            "vmagent resent the repeated scrapes; they must have been counted as exact duplicates");
        assertEquals(0, adapter.metric("promledger_remote_write_duplicate_samples_total", "kind", "conflicting"));
      }
    } finally {
      target.stop(0);
    }
  }
}
