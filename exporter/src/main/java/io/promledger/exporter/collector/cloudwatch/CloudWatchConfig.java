package io.promledger.exporter.collector.cloudwatch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.promledger.exporter.ConfigException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A configuration file in the format of prometheus/cloudwatch_exporter, so that existing files
 * work unchanged. Keys this exporter does not know, and uses it cannot serve, stop the start with
 * a message that names them.
 */
record CloudWatchConfig(String region, String roleArn, List<MetricRule> rules) {
  static final Set<String> STATISTICS = Set.of("Sum", "SampleCount", "Minimum", "Maximum", "Average");
  private static final Pattern EXTENDED = Pattern.compile("(p|tm|wm|tc|ts)\\d{1,2}(\\.\\d{1,10})?|(TM|WM|TC|TS|PR)\\(.*\\)");
  private static final Set<String> GLOBAL_KEYS = Set.of("region", "role_arn", "metrics", "period_seconds",
      "range_seconds", "delay_seconds", "set_timestamp", "use_get_metric_data", "list_metrics_cache_ttl",
      "warn_on_empty_list_dimensions");
  private static final Set<String> RULE_KEYS = Set.of("aws_namespace", "aws_metric_name", "aws_dimensions",
      "aws_dimension_select", "aws_dimension_select_regex", "aws_tag_select", "aws_statistics",
      "aws_extended_statistics", "period_seconds", "range_seconds", "delay_seconds", "set_timestamp",
      "use_get_metric_data", "list_metrics_cache_ttl", "warn_on_empty_list_dimensions", "help");
  private static final Set<String> TAG_SELECT_KEYS = Set.of("tag_selections", "resource_type_selection",
      "resource_id_dimension", "arn_resource_id_regexp");

  static CloudWatchConfig load(Path file) {
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
    } catch (IOException e) {
      throw new ConfigException("CloudWatch config " + file + " cannot be read: "
          + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
    }
    return parse(root, file.toString());
  }

  static CloudWatchConfig parse(JsonNode root, String source) {
    Reader r = new Reader(source);
    if (root == null || !root.isObject()) {
      throw r.error("", "must be a mapping with a 'metrics' list");
    }
    r.knownKeys(root, GLOBAL_KEYS, "");
    JsonNode metrics = root.get("metrics");
    if (metrics == null || !metrics.isArray() || metrics.isEmpty()) {
      throw r.error("metrics", "is required and must list at least one rule");
    }
    int period = r.integer(root, "period_seconds", 60, "");
    int range = r.integer(root, "range_seconds", 600, "");
    int delay = r.integer(root, "delay_seconds", 600, "");
    boolean timestamp = r.bool(root, "set_timestamp", true, "");
    int ttl = r.integer(root, "list_metrics_cache_ttl", 600, "");
    boolean warnEmpty = r.bool(root, "warn_on_empty_list_dimensions", false, "");
    List<MetricRule> rules = new ArrayList<>();
    for (int i = 0; i < metrics.size(); i++) {
      JsonNode m = metrics.get(i);
      String at = "metrics[" + i + "].";
      if (!m.isObject()) {
        throw r.error(at, "must be a mapping");
      }
      r.knownKeys(m, RULE_KEYS, at);
      String namespace = r.requiredText(m, "aws_namespace", at);
      String name = r.requiredText(m, "aws_metric_name", at);
      Map<String, List<String>> select = r.stringLists(m, "aws_dimension_select", at);
      Map<String, List<String>> selectRegexText = r.stringLists(m, "aws_dimension_select_regex", at);
      if (!select.isEmpty() && !selectRegexText.isEmpty()) {
        throw r.error(at + "aws_dimension_select_regex", "cannot be combined with aws_dimension_select");
      }
      Map<String, List<Pattern>> selectRegex = new LinkedHashMap<>();
      selectRegexText.forEach((dim, patterns) -> {
        List<Pattern> compiled = new ArrayList<>();
        for (String p : patterns) {
          try {
            compiled.add(Pattern.compile(p));
          } catch (PatternSyntaxException e) {
            throw r.error(at + "aws_dimension_select_regex." + dim, "has an invalid pattern '" + p + "'");
          }
        }
        selectRegex.put(dim, compiled);
      });
      List<String> stats = r.stringList(m, "aws_statistics", at);
      List<String> extended = r.stringList(m, "aws_extended_statistics", at);
      for (String s : stats) {
        if (!STATISTICS.contains(s)) {
          throw r.error(at + "aws_statistics", "has '" + s + "'; allowed: Sum, SampleCount, Minimum, Maximum, Average");
        }
      }
      for (String s : extended) {
        if (!EXTENDED.matcher(s).matches()) {
          throw r.error(at + "aws_extended_statistics", "has '" + s + "', which is not a CloudWatch extended statistic such as p99");
        }
      }
      List<String> all = new ArrayList<>(stats);
      all.addAll(extended);
      if (all.isEmpty()) {
        all.addAll(List.of("Sum", "SampleCount", "Minimum", "Maximum", "Average"));
      }
      rules.add(new MetricRule(namespace, name, r.stringList(m, "aws_dimensions", at), select, selectRegex,
          tagSelect(r, m, namespace, at), List.copyOf(all),
          positive(r, r.integer(m, "period_seconds", period, at), at + "period_seconds"),
          positive(r, r.integer(m, "range_seconds", range, at), at + "range_seconds"),
          r.integer(m, "delay_seconds", delay, at), r.bool(m, "set_timestamp", timestamp, at),
          r.integer(m, "list_metrics_cache_ttl", ttl, at), r.bool(m, "warn_on_empty_list_dimensions", warnEmpty, at),
          m.hasNonNull("help") ? m.get("help").asText() : null));
    }
    String region = root.hasNonNull("region") ? root.get("region").asText() : null;
    String roleArn = root.hasNonNull("role_arn") ? root.get("role_arn").asText() : null;
    return new CloudWatchConfig(region, roleArn, List.copyOf(rules));
  }

  private static int positive(Reader r, int v, String key) {
    if (v <= 0) {
      throw r.error(key, "must be greater than 0");
    }
    return v;
  }

  private static MetricRule.TagSelect tagSelect(Reader r, JsonNode m, String namespace, String at) {
    JsonNode t = m.get("aws_tag_select");
    if (t == null || t.isNull()) {
      return null;
    }
    String key = at + "aws_tag_select";
    if (!namespace.equals("AWS/EC2")) {
      throw r.error(key, "is supported for AWS/EC2 only (through the EC2 API's instance tags): other namespaces"
          + " need the Resource Groups Tagging API, which this exporter does not include;"
          + " use aws_dimension_select or aws_dimension_select_regex for " + namespace);
    }
    r.knownKeys(t, TAG_SELECT_KEYS, key + ".");
    String type = r.requiredText(t, "resource_type_selection", key + ".");
    String idDim = r.requiredText(t, "resource_id_dimension", key + ".");
    if (!type.equals("ec2:instance") || !idDim.equals("InstanceId")) {
      throw r.error(key, "for AWS/EC2 supports resource_type_selection 'ec2:instance' with resource_id_dimension"
          + " 'InstanceId' only; got '" + type + "' and '" + idDim + "'");
    }
    return new MetricRule.TagSelect(r.stringLists(t, "tag_selections", key + "."), idDim);
  }

  /** Typed reads that name the key path in their error. */
  private record Reader(String source) {
    ConfigException error(String key, String problem) {
      return new ConfigException("CloudWatch config " + source + ": " + (key.isEmpty() ? "the file" : key) + " " + problem);
    }

    void knownKeys(JsonNode node, Set<String> known, String at) {
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        String k = it.next();
        if (!known.contains(k)) {
          throw error(at + k, "is not a key this exporter knows (known: " + String.join(", ", new java.util.TreeSet<>(known)) + ")");
        }
      }
    }

    String requiredText(JsonNode node, String key, String at) {
      JsonNode v = node.get(key);
      if (v == null || !v.isTextual() || v.asText().isBlank()) {
        throw error(at + key, "is required and must be a string");
      }
      return v.asText();
    }

    int integer(JsonNode node, String key, int dflt, String at) {
      JsonNode v = node.get(key);
      if (v == null || v.isNull()) {
        return dflt;
      }
      if (!v.canConvertToInt() || !v.isIntegralNumber()) {
        throw error(at + key, "must be a whole number, got '" + v.asText() + "'");
      }
      return v.asInt();
    }

    boolean bool(JsonNode node, String key, boolean dflt, String at) {
      JsonNode v = node.get(key);
      if (v == null || v.isNull()) {
        return dflt;
      }
      if (!v.isBoolean()) {
        throw error(at + key, "must be true or false, got '" + v.asText() + "'");
      }
      return v.asBoolean();
    }

    List<String> stringList(JsonNode node, String key, String at) {
      JsonNode v = node.get(key);
      if (v == null || v.isNull()) {
        return List.of();
      }
      if (!v.isArray()) {
        throw error(at + key, "must be a list");
      }
      List<String> out = new ArrayList<>();
      v.forEach(x -> {
        if (!x.isValueNode()) {
          throw error(at + key, "must be a list of strings");
        }
        out.add(x.asText());
      });
      return List.copyOf(out);
    }

    Map<String, List<String>> stringLists(JsonNode node, String key, String at) {
      JsonNode v = node.get(key);
      if (v == null || v.isNull()) {
        return Map.of();
      }
      if (!v.isObject()) {
        throw error(at + key, "must be a mapping of names to lists");
      }
      Map<String, List<String>> out = new LinkedHashMap<>();
      v.fieldNames().forEachRemaining(k -> out.put(k, stringList(v, k, at + key + ".")));
      return out;
    }
  }
}
