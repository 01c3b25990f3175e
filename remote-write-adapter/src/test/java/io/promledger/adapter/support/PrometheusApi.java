package io.promledger.adapter.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/** Reads raw samples back from a Prometheus server through its HTTP query API. */
public final class PrometheusApi {
  private final String base;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final ObjectMapper json = new ObjectMapper();

  public PrometheusApi(String base) {
    this.base = base;
  }

  public JsonNode query(String promql, double atSeconds) {
    String url = base + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8) + "&time=" + atSeconds;
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
      JsonNode root = json.readTree(r.body());
      if (!"success".equals(root.path("status").asText())) {
        throw new AssertionError("query " + promql + " failed: " + r.body());
      }
      return root.path("data");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * The sum of a metric over all its label sets on the server's own /metrics page (NaN when
   * absent): Prometheus's remote-write metrics are read there, not from its TSDB.
   */
  public double selfMetric(String name) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      double sum = Double.NaN;
      for (String line : r.body().split("\n")) {
        if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
          double v = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
          sum = Double.isNaN(sum) ? v : sum + v;
        }
      }
      return sum;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The value of a scalar-like instant query (first series), or NaN when empty. */
  public double value(String promql) {
    JsonNode result = query(promql, System.currentTimeMillis() / 1000.0).path("result");
    if (result.size() == 0) {
      return Double.NaN;
    }
    return Double.parseDouble(result.get(0).path("value").get(1).asText());
  }

  /**
   * Every raw sample in [fromMs, toMs] of every series matching {@code selector}, keyed by the
   * series' labels in canonical text form, each sample as "ts=value".
   */
  public Map<String, TreeMap<Long, Double>> rawSamples(String selector, long fromMs, long toMs) {
    long rangeSeconds = (toMs - fromMs) / 1000 + 5;
    JsonNode data = query(selector + "[" + rangeSeconds + "s]", toMs / 1000.0);
    Map<String, TreeMap<Long, Double>> out = new TreeMap<>();
    for (JsonNode series : data.path("result")) {
      TreeMap<String, String> labels = new TreeMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = series.path("metric").fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        labels.put(e.getKey(), e.getValue().asText());
      }
      TreeMap<Long, Double> samples = new TreeMap<>();
      for (JsonNode v : series.path("values")) {
        long ts = Math.round(v.get(0).asDouble() * 1000);
        if (ts >= fromMs && ts <= toMs) {
          samples.put(ts, parse(v.get(1).asText()));
        }
      }
      if (!samples.isEmpty()) {
        out.put(labels.toString(), samples);
      }
    }
    return out;
  }

  static double parse(String s) {
    return switch (s) {
      case "+Inf", "Infinity" -> Double.POSITIVE_INFINITY;
      case "-Inf", "-Infinity" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> Double.parseDouble(s);
    };
  }
}
