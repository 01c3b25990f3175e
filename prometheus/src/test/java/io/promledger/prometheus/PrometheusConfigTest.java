package io.promledger.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The settings of prometheus.yml that the rest of the pipeline and the alerts rely on. */
class PrometheusConfigTest {
  private static final JsonNode CONFIG = ProjectFiles.yaml(ProjectFiles.prometheusDir().resolve("prometheus.yml"));
  private static final JsonNode BILLABLE_ONLY =
      ProjectFiles.yaml(ProjectFiles.prometheusDir().resolve("examples/remote-write-billable-only.yml"));

  @Test
  void scrapesTheFourPartsOnLoopbackEvery15Seconds() {
    assertEquals("15s", CONFIG.path("global").path("scrape_interval").asText());
    Map<String, String> targets = new LinkedHashMap<>();
    for (JsonNode job : CONFIG.path("scrape_configs")) {
      assertFalse(job.has("scrape_interval"), job.path("job_name") + " must use the global 15 s interval");
      List<JsonNode> staticConfigs = toList(job.path("static_configs"));
      assertEquals(1, staticConfigs.size());
      assertEquals(1, staticConfigs.get(0).path("targets").size());
      targets.put(job.path("job_name").asText(), staticConfigs.get(0).path("targets").get(0).asText());
    }
    assertEquals(
        Map.of(
            "node", "127.0.0.1:9100",
            "promledger-exporter", "127.0.0.1:9188",
            "promledger-adapter", "127.0.0.1:9201",
            "prometheus", "127.0.0.1:9090"),
        targets);
    assertEquals(List.of("rules/*.yml"), toList(CONFIG.path("rule_files")).stream().map(JsonNode::asText).toList());
  }

  @Test
  void remoteWriteNeverDropsWhatTheAdapterCanStillTake() {
    JsonNode rw = onlyRemoteWrite(CONFIG);
    assertEquals("http://127.0.0.1:9201/api/v1/write", rw.path("url").asText());
    JsonNode queue = rw.path("queue_config");
    // The adapter signals overload with 503; a 429 can only come from a proxy in front of it, and
    // is retried rather than dropped.
    assertEquals("true", queue.path("retry_on_http_429").asText());
    // A sample age limit would make Prometheus discard samples older than it after an outage.
    assertFalse(queue.has("sample_age_limit"));
    assertTrue(queue.path("capacity").asInt() >= queue.path("max_samples_per_send").asInt(), queue.toString());
    assertEquals("true", rw.path("metadata_config").path("send").asText());
    assertFalse(rw.has("write_relabel_configs"), "the shipped configuration sends every series");
  }

  @Test
  void billableOnlyExampleDiffersFromTheShippedRemoteWriteOnlyByItsRelabelling() {
    JsonNode shipped = onlyRemoteWrite(CONFIG);
    JsonNode example = onlyRemoteWrite(BILLABLE_ONLY).deepCopy();
    ((ObjectNode) example).remove("write_relabel_configs");
    assertEquals(shipped, example);
  }

  @Test
  void billableOnlyExampleKeepsBillableMetricsAndDropsTheRest() {
    List<JsonNode> relabel = toList(onlyRemoteWrite(BILLABLE_ONLY).path("write_relabel_configs"));
    assertEquals(2, relabel.size());
    JsonNode keep = relabel.get(0);
    assertEquals("keep", keep.path("action").asText());
    assertEquals("__name__", keep.path("source_labels").get(0).asText());
    // Prometheus anchors relabel regexes at both ends.
    Pattern kept = Pattern.compile("^(?:" + keep.path("regex").asText() + ")$");
    for (String name :
        List.of(
            "node_cpu_seconds_total",
            "node_memory_MemAvailable_bytes",
            "node_disk_written_bytes_total",
            "node_network_transmit_bytes_total",
            "http_server_requests_total",
            "pg_database_size_bytes",
            "aws_ec2_cpuutilization_average",
            "up",
            "instance:node_cpu_used_cores:rate5m",
            "promledger:usage:sum")) {
      assertTrue(kept.matcher(name).matches(), name + " should be sent");
    }
    for (String name :
        List.of(
            "node_load1",
            "node_cpu_seconds_total_extra",
            "go_gc_duration_seconds",
            "prometheus_remote_storage_samples_total",
            "promledger_remote_write_requests_total",
            "http_server_request_duration_seconds_bucket")) {
      assertFalse(kept.matcher(name).matches(), name + " should not be sent");
    }
    JsonNode drop = relabel.get(1);
    assertEquals("drop", drop.path("action").asText());
    Pattern dropped = Pattern.compile("^(?:" + drop.path("regex").asText() + ")$");
    // source_labels are joined with ';'.
    assertTrue(dropped.matcher("node_network_receive_bytes_total;lo").matches());
    assertFalse(dropped.matcher("node_network_receive_bytes_total;eth0").matches());
    assertFalse(dropped.matcher("node_cpu_seconds_total;").matches());
  }

  private static JsonNode onlyRemoteWrite(JsonNode config) {
    assertEquals(1, config.path("remote_write").size());
    return config.path("remote_write").get(0);
  }

  private static List<JsonNode> toList(JsonNode array) {
    List<JsonNode> out = new ArrayList<>();
    array.forEach(out::add);
    return out;
  }
}
