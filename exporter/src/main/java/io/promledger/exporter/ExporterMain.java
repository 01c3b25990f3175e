package io.promledger.exporter;

import java.util.Map;
import picocli.CommandLine;

/** {@code java -jar promledger-exporter.jar [flags]}: see {@code --help}. */
public final class ExporterMain {
  private ExporterMain() {}

  public static void main(String[] args) {
    System.exit(run(args, System.getenv()));
  }

  static int run(String[] args, Map<String, String> env) {
    CommandLine cli;
    try {
      cli = commandLine(args, env);
    } catch (ConfigException e) {
      System.err.println("promledger-exporter: " + e.getMessage());
      return 2;
    }
    cli.setExecutionExceptionHandler((e, c, parsed) -> {
      if (e instanceof ConfigException) {
        System.err.println("promledger-exporter: " + e.getMessage());
        return 2;
      }
      throw e;
    });
    return cli.execute(args);
  }

  /** The command line with the config file and environment as defaults, not yet parsed. */
  static CommandLine commandLine(String[] args, Map<String, String> env) {
    CommandLine cli = new CommandLine(new ExporterCommand());
    // Picocli's default negation stops at the dot of names like --collector.postgres.
    cli.setNegatableOptionTransformer(new CommandLine.RegexTransformer.Builder()
        .addPattern("^--no-([\\w.-]+)$", "--$1", "--[no-]$1")
        .addPattern("^--([\\w.-]+)$", "--no-$1", "--[no-]$1")
        .build());
    cli.setDefaultValueProvider(ConfigFile.defaults(cli.getCommandSpec(), args, env));
    return cli;
  }
}
