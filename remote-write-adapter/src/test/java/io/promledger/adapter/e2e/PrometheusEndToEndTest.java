package io.promledger.adapter.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promledger.adapter.cli.Main;
import io.promledger.adapter.support.ExternalProcess;
import io.promledger.adapter.support.PrometheusApi;
import io.promledger.adapter.support.StoredSamples;
import io.promledger.embedded.EmbeddedDatabase;
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
 * A real Prometheus scrapes the adapter and node_exporter every second and remote-writes into
 * an adapter process, through a 20-second PostgreSQL outage and a SIGKILL of the adapter. Every
 * sample Prometheus holds for the whole window must then be in PostgreSQL, once, with its exact
 * timestamp and value, and nothing else.
 */
class PrometheusEndToEndTest {

  @Test
  @Timeout(300)
  void everySamplePrometheusHoldsIsStoredThroughADatabaseOutageAndAnAdapterKill(@TempDir Path dir) throws Exception {
    int pgPort = ExternalProcess.freePort();
    int adapterPort = ExternalProcess.freePort();
    int nodePort = ExternalProcess.freePort();
    int promPort = ExternalProcess.freePort();
    Path logs = Files.createDirectories(dir.resolve("logs"));
    EmbeddedDatabase pg = EmbeddedDatabase.start(dir.resolve("db"), Map.of(), pgPort);
    String jdbcUrl = pg.jdbcUrl();
    Files.writeString(dir.resolve("prometheus.yml"), """
        global:
          scrape_interval: 1s
          evaluation_interval: 1s
        scrape_configs:
          - job_name: adapter
            static_configs: [{targets: ['127.0.0.1:%d']}]
          - job_name: node
            static_configs: [{targets: ['127.0.0.1:%d']}]
        remote_write:
          - url: http://127.0.0.1:%d/api/v1/write
            remote_timeout: 10s
            queue_config: {max_samples_per_send: 2000, batch_send_deadline: 1s, min_backoff: 50ms, max_backoff: 1s}
            metadata_config: {send_interval: 5s}
        """.formatted(adapterPort, nodePort, adapterPort));
    try (ExternalProcess adapter = ExternalProcess.start("adapter", logs, ExternalProcess.javaCommand(Main.class.getName(),
            "serve", "--db.url=" + jdbcUrl, "--web.listen-address=127.0.0.1:" + adapterPort, "--rollup.interval=1h"));
        ExternalProcess node = ExternalProcess.start("node_exporter", logs, List.of("prometheus-node-exporter",
            "--web.listen-address=127.0.0.1:" + nodePort, "--collector.disable-defaults", "--collector.cpu",
            "--collector.meminfo", "--collector.loadavg", "--collector.netdev", "--collector.diskstats"));
        ExternalProcess prometheus = ExternalProcess.start("prometheus", logs, List.of("prometheus",
            "--config.file=" + dir.resolve("prometheus.yml"), "--storage.tsdb.path=" + dir.resolve("tsdb"),
            "--web.listen-address=127.0.0.1:" + promPort))) {
      adapter.awaitHttp200("http://127.0.0.1:" + adapterPort + "/-/ready", Duration.ofSeconds(60));
      node.awaitHttp200("http://127.0.0.1:" + nodePort + "/metrics", Duration.ofSeconds(30));
      prometheus.awaitHttp200("http://127.0.0.1:" + promPort + "/-/ready", Duration.ofSeconds(60));
      PrometheusApi api = new PrometheusApi("http://127.0.0.1:" + promPort);
      long from = System.currentTimeMillis() + 2000;
      Thread.sleep(8000);

      pg.close(); // PostgreSQL down for 20 s while Prometheus keeps sending
      Thread.sleep(20_000);
      pg = EmbeddedDatabase.start(dir.resolve("db"), Map.of(), pgPort);
      Thread.sleep(8000);

      adapter.kill(); // SIGKILL under load
      Thread.sleep(2000);
      adapter.restart();
      adapter.awaitHttp200("http://127.0.0.1:" + adapterPort + "/-/ready", Duration.ofSeconds(60));
      Thread.sleep(6000);
      long to = System.currentTimeMillis() - 2000;

      awaitCaughtUp(api, to);
      Map<String, TreeMap<Long, Double>> expected = api.rawSamples("{__name__=~\".+\"}", from, to);
      Map<String, TreeMap<Long, Double>> stored = StoredSamples.read(jdbcUrl, ".*", from, to);
      List<String> diffs = StoredSamples.differences(expected, stored);
      assertTrue(diffs.isEmpty(), "Prometheus and PostgreSQL differ:\n" + String.join("\n", diffs));
      assertTrue(StoredSamples.sampleCount(expected) > 10_000, "too few samples to prove anything: " + StoredSamples.sampleCount(expected));
      assertTrue(expected.keySet().stream().anyMatch(k -> k.contains("job=node")));
      assertTrue(expected.keySet().stream().anyMatch(k -> k.contains("promledger_remote_write_requests_total")));
      assertEquals(0.0, api.selfMetric("prometheus_remote_storage_samples_failed_total"), "Prometheus dropped samples");
      assertEquals(0.0, api.selfMetric("prometheus_remote_storage_samples_dropped_total"), "Prometheus dropped samples");
      assertTrue(api.selfMetric("prometheus_remote_storage_samples_retried_total") > 0, "the faults should have made Prometheus retry");
    } finally {
      pg.close();
    }
  }

  /** Waits until Prometheus has sent everything up to {@code toMs} and has nothing pending. */
  static void awaitCaughtUp(PrometheusApi api, long toMs) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 90_000;
    double sent = Double.NaN;
    double pending = Double.NaN;
    while (System.currentTimeMillis() < deadline) {
      sent = api.selfMetric("prometheus_remote_storage_queue_highest_sent_timestamp_seconds");
      pending = api.selfMetric("prometheus_remote_storage_samples_pending");
      if (sent * 1000 >= toMs + 2000 && pending == 0) {
        return;
      }
      Thread.sleep(500);
    }
    throw new AssertionError("Prometheus did not catch up with remote write within 90 s: highest sent " + sent + " s, pending " + pending);
  }
}
