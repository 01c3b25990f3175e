package io.promledger.adapter.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Every flag can also be set in the YAML file named by {@code --config.file} and by an environment
 * variable. Precedence: command line, then environment ({@code PROMLEDGER_DB_URL} for {@code
 * --db.url}), then the file, then the built-in default. In the file a flag is written without its
 * dashes, flat ({@code db.url: ...}) or nested ({@code db: {url: ...}}).
 */
public final class ConfigSources implements CommandLine.IDefaultValueProvider {
  public static final String ENV_PREFIX = "PROMLEDGER_";

  private final Map<String, String> fileValues;
  private final Map<String, String> env;

  private ConfigSources(Map<String, String> fileValues, Map<String, String> env) {
    this.fileValues = fileValues;
    this.env = env;
  }

  /**
   * Finds {@code --config.file} in the arguments (or its environment variable), loads it and
   * installs this provider on every command of {@code cli}. Unknown keys fail with one line.
   */
  public static void install(CommandLine cli, String[] args, Map<String, String> env) {
    String file = configFileArgument(args);
    if (file == null) {
      file = env.get(envName("config.file"));
    }
    Map<String, String> values = file == null ? Map.of() : load(Path.of(file));
    ConfigSources sources = new ConfigSources(values, env);
    if (!values.isEmpty()) {
      CommandSpec target = commandSpecFor(cli, args);
      Set<String> known = new TreeSet<>();
      for (OptionSpec o : target.options()) {
        known.add(keyOf(o));
      }
      for (String key : values.keySet()) {
        if (!known.contains(key)) {
          throw new ConfigException(
              "unknown key '" + key + "' in " + file + " (known keys: " + String.join(", ", known) + ")");
        }
      }
    }
    applyRecursively(cli, sources);
  }

  private static void applyRecursively(CommandLine cli, ConfigSources sources) {
    cli.setDefaultValueProvider(sources);
    for (CommandLine sub : cli.getSubcommands().values()) {
      applyRecursively(sub, sources);
    }
  }

  private static CommandSpec commandSpecFor(CommandLine cli, String[] args) {
    CommandLine current = cli;
    for (String a : args) {
      CommandLine sub = current.getSubcommands().get(a);
      if (sub != null) {
        current = sub;
      }
    }
    if (current == cli && cli.getCommandSpec().subcommands().containsKey("serve")) {
      current = cli.getSubcommands().get("serve");
    }
    return current.getCommandSpec();
  }

  @Override
  public String defaultValue(ArgSpec arg) {
    if (!(arg instanceof OptionSpec option)) {
      return null;
    }
    String key = keyOf(option);
    String fromEnv = env.get(envName(key));
    if (fromEnv != null) {
      return fromEnv;
    }
    return fileValues.get(key);
  }

  /** The file key of an option: its longest name without the leading dashes. */
  public static String keyOf(OptionSpec option) {
    return option.longestName().replaceFirst("^-+", "");
  }

  /** {@code db.url} → {@code PROMLEDGER_DB_URL}. */
  public static String envName(String key) {
    return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  private static String configFileArgument(String[] args) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].startsWith("--config.file=")) {
        return args[i].substring("--config.file=".length());
      }
      if (args[i].equals("--config.file") && i + 1 < args.length) {
        return args[i + 1];
      }
    }
    return null;
  }

  static Map<String, String> load(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new ConfigException("config file " + file + " does not exist or is not a file");
    }
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
    } catch (IOException e) {
      String reason = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
      throw new ConfigException("config file " + file + " is not valid YAML: " + reason);
    }
    Map<String, String> out = new LinkedHashMap<>();
    if (root == null || root.isMissingNode() || root.isNull()) {
      return out;
    }
    if (!root.isObject()) {
      throw new ConfigException("config file " + file + " must be a YAML mapping of flag names to values");
    }
    flatten("", root, out, file);
    return out;
  }

  private static void flatten(String prefix, JsonNode node, Map<String, String> out, Path file) {
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      JsonNode v = e.getValue();
      if (v.isObject()) {
        flatten(key, v, out, file);
      } else if (v.isArray()) {
        List<String> items = new ArrayList<>();
        v.forEach(x -> items.add(x.asText()));
        out.put(key, String.join(",", items));
      } else if (v.isNull()) {
        throw new ConfigException("config file " + file + ": key '" + key + "' has no value");
      } else {
        out.put(key, v.asText());
      }
    }
  }

  /** A configuration problem, with a message meant for the user. */
  public static final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
      super(message);
    }
  }
}
