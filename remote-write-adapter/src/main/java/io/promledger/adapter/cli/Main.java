package io.promledger.adapter.cli;

import ch.qos.logback.classic.Level;
import io.promledger.adapter.config.ConfigSources;
import io.promledger.adapter.storage.StorageException;
import io.promledger.embedded.EmbeddedDatabase;
import java.io.PrintWriter;
import java.util.Map;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code promledger-remote-write-adapter.jar}; {@code serve} is the default command. */
@Command(
    name = "promledger-remote-write-adapter",
    mixinStandardHelpOptions = true,
    usageHelpWidth = 110,
    versionProvider = Main.Version.class,
    description = {
      "Receives Prometheus remote write (1.0 and 2.0), stores every sample in PostgreSQL, rolls the samples up and",
      "reports usage for billing. Every flag can also be set in the YAML file given by --config.file and by an",
      "environment variable PROMLEDGER_<FLAG> (e.g. PROMLEDGER_DB_URL for --db.url). Without a command, 'serve' runs."
    },
    subcommands = {
      ServeCommand.class,
      MigrateCommand.class,
      RollupCommand.class, RetentionCommand.class, ReportCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {

  public static void main(String[] args) {
    System.exit(run(args, System.getenv()));
  }

  /** Runs the command line and returns the exit code; used by tests too. */
  public static int run(String[] args, Map<String, String> env) {
    String[] effective = withDefaultCommand(args);
    CommandLine cli = new CommandLine(new Main());
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    cli.setExecutionExceptionHandler(Main::handleFailure);
    cli.setParameterExceptionHandler(
        (ex, a) -> {
          PrintWriter err = ex.getCommandLine().getErr();
          err.println("error: " + ex.getMessage());
          err.println("Run with --help to see every flag.");
          return 2;
        });
    try {
      ConfigSources.install(cli, effective, env);
    } catch (ConfigSources.ConfigException e) {
      cli.getErr().println("error: " + e.getMessage());
      return 2;
    }
    return cli.execute(effective);
  }

  /** {@code serve} when the first argument is not a command or a help/version flag. */
  static String[] withDefaultCommand(String[] args) {
    if (args.length > 0) {
      String first = args[0];
      if (!first.startsWith("-")
          || first.equals("-h")
          || first.equals("--help")
          || first.equals("-V")
          || first.equals("--version")) {
        return args;
      }
    }
    String[] out = new String[args.length + 1];
    out[0] = "serve";
    System.arraycopy(args, 0, out, 1, args.length);
    return out;
  }

  private static int handleFailure(Exception ex, CommandLine cmd, CommandLine.ParseResult parse) {
    String message = userMessage(ex);
    LoggerFactory.getLogger(Main.class).debug("command failed", ex);
    cmd.getErr().println("error: " + message);
    return 1;
  }

  /** One line for the user: the message of the first exception meant for users, else the root cause. */
  static String userMessage(Throwable ex) {
    for (Throwable t = ex; t != null; t = t.getCause()) {
      if (t instanceof StorageException
          || t instanceof ConfigSources.ConfigException
          || t instanceof EmbeddedDatabase.EmbeddedDatabaseException
          || t instanceof UserError) {
        return t.getMessage();
      }
    }
    Throwable root = ex;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String m = root.getMessage();
    return (m == null ? root.getClass().getSimpleName() : m).lines().findFirst().orElse("");
  }

  /** Sets the level of the promledger loggers (and the root logger for debug). */
  static void setLogLevel(String level) {
    Level l = Level.toLevel(level, null);
    if (l == null) {
      throw new UserError("--log.level must be one of debug, info, warn, error; got '" + level + "'");
    }
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.promledger")).setLevel(l);
    if (l.toInt() <= Level.DEBUG_INT) {
      ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(l);
    }
  }

  @Override
  public void run() {
    CommandLine.usage(this, System.out);
  }

  /** Version from the jar manifest. */
  public static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"promledger-remote-write-adapter " + (v == null ? "dev" : v)};
    }
  }

  /** An error caused by the user's input, printed as one line. */
  public static final class UserError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UserError(String message) {
      super(message);
    }
  }
}
