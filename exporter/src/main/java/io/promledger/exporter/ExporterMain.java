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
    ExporterCommand command = new ExporterCommand();
    CommandLine cli = new CommandLine(command).setCaseInsensitiveEnumValuesAllowed(true);
    try {
      cli.setDefaultValueProvider(ConfigFile.defaults(cli.getCommandSpec(), args, env));
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
}
