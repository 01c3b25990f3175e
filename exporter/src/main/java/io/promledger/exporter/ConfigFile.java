package io.promledger.exporter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Every flag can also come from the environment ({@code --db.url} as {@code
 * PROMLEDGER_EXPORTER_DB_URL}) or from the YAML file of {@code --config.file}, where it is written
 * without its dashes, flat ({@code db.url: ...}) or nested ({@code db: {url: ...}}). The command
 * line wins over the environment, which wins over the file. An unknown key in the file fails the
 * start, so that a typo is never silently ignored.
 */
final class ConfigFile {
  static final String ENV_PREFIX = "PROMLEDGER_EXPORTER_";

  private ConfigFile() {}

  static CommandLine.IDefaultValueProvider defaults(CommandSpec spec, String[] args, Map<String, String> env) {
    String file = argument(args, "--config.file");
    if (file == null) {
      file = env.get(envName("config.file"));
    }
    Map<String, String> values = file == null ? Map.of() : read(Path.of(file));
    Set<String> known = new TreeSet<>();
    spec.options().forEach(o -> known.add(key(o)));
    for (String k : values.keySet()) {
      if (!known.contains(k)) {
        throw new ConfigException("unknown key '" + k + "' in " + file + "; known keys: " + String.join(", ", known));
      }
    }
    return arg -> {
      if (!(arg instanceof OptionSpec o)) {
        return null;
      }
      String fromEnv = env.get(envName(key(o)));
      return fromEnv != null ? fromEnv : values.get(key(o));
    };
  }

  /** {@code --web.listen-address} → {@code web.listen-address}. */
  static String key(OptionSpec o) {
    return o.longestName().replaceFirst("^--(no-)?", "");
  }

  /** {@code web.listen-address} → {@code PROMLEDGER_EXPORTER_WEB_LISTEN_ADDRESS}. */
  static String envName(String key) {
    return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
  }

  private static String argument(String[] args, String flag) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].startsWith(flag + "=")) {
        return args[i].substring(flag.length() + 1);
      }
      if (args[i].equals(flag) && i + 1 < args.length) {
        return args[i + 1];
      }
    }
    return null;
  }

  private static Map<String, String> read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new ConfigException("config file " + file + " does not exist");
    }
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
    } catch (IOException e) {
      throw new ConfigException("config file " + file + " is not valid YAML: " + firstLine(e.getMessage()));
    }
    Map<String, String> out = new LinkedHashMap<>();
    if (root != null && !root.isMissingNode() && !root.isNull()) {
      if (!root.isObject()) {
        throw new ConfigException("config file " + file + " must be a mapping of flag names to values");
      }
      flatten("", root, out, file);
    }
    return out;
  }

  private static void flatten(String prefix, JsonNode node, Map<String, String> out, Path file) {
    node.fields().forEachRemaining(e -> {
      String k = prefix + e.getKey();
      JsonNode v = e.getValue();
      if (v.isObject()) {
        flatten(k + ".", v, out, file);
      } else if (v.isValueNode() && !v.isNull()) {
        out.put(k, v.asText());
      } else {
        throw new ConfigException("config file " + file + ": key '" + k + "' must have a single value");
      }
    });
  }

  private static String firstLine(String s) {
    return s == null ? "" : s.lines().findFirst().orElse("");
  }
}
