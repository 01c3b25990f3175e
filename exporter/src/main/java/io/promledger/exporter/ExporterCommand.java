package io.promledger.exporter;

import ch.qos.logback.classic.Level;
import io.promledger.embedded.EmbeddedDatabase;
import io.promledger.exporter.collector.Source;
import io.promledger.exporter.collector.cloudwatch.CloudWatchSource;
import io.promledger.exporter.collector.postgres.PostgresCollector;
import io.promledger.exporter.collector.postgres.PostgresOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "promledger-exporter",
    mixinStandardHelpOptions = true,
    versionProvider = BuildInfo.class,
    sortOptions = false,
    usageHelpWidth = 110,
    description = {
      "Prometheus exporter for PostgreSQL and AWS CloudWatch. Serves /metrics (text, OpenMetrics and",
      "protobuf), /-/healthy and /-/ready.",
      "",
      "Every flag can also be set in the YAML file of --config.file (key = the flag without dashes,",
      "e.g. 'db.url: ...') and as an environment variable PROMLEDGER_EXPORTER_<FLAG> (e.g.",
      "PROMLEDGER_EXPORTER_DB_URL). The command line wins over the environment, which wins over the file.",
      ""
    })
final class ExporterCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(ExporterCommand.class);

  @Option(names = "--web.listen-address", defaultValue = ":9188", paramLabel = "[HOST]:PORT",
      description = "Address to serve /metrics on (default: ${DEFAULT-VALUE}; 9188 is clear of Prometheus, node_exporter,"
          + " postgres_exporter, cloudwatch_exporter and the adapter).")
  String listenAddress;

  @Option(names = "--config.file", paramLabel = "FILE",
      description = "YAML file with values for any of these flags.")
  Path configFile;

  @Option(names = "--log.level", defaultValue = "info", paramLabel = "LEVEL",
      description = "One of debug, info, warn, error (default: ${DEFAULT-VALUE}).")
  String logLevel;

  @Option(names = "--collector.postgres", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Report PostgreSQL metrics; --no-collector.postgres turns them off (default: on).")
  boolean postgres;

  @Option(names = "--db.url", paramLabel = "JDBC_URL",
      description = "PostgreSQL to watch, e.g. jdbc:postgresql://db:5432/app. Without it the exporter watches the"
          + " embedded database the adapter runs in --storage.embedded.dir, and reports pg_up 0 while there is none.")
  String dbUrl;

  @Option(names = "--db.user", paramLabel = "USER", description = "User name, if not in the URL.")
  String dbUser;

  @Option(names = "--db.password", paramLabel = "PASSWORD",
      description = "Password, if not in the URL; prefer PROMLEDGER_EXPORTER_DB_PASSWORD to keep it out of ps.")
  String dbPassword;

  @Option(names = "--storage.embedded.dir", defaultValue = "promledger-data", paramLabel = "DIR",
      description = "Data directory of the adapter's embedded database, watched when --db.url is not set"
          + " (default: ${DEFAULT-VALUE}).")
  Path embeddedDir;

  @Option(names = "--postgres.statement-timeout", defaultValue = "2s", paramLabel = "DURATION",
      description = "statement_timeout of every query; lock_timeout is half of it (default: ${DEFAULT-VALUE}).")
  String statementTimeout;

  @Option(names = "--postgres.collection-timeout", defaultValue = "8s", paramLabel = "DURATION",
      description = "Budget of one PostgreSQL scrape; keep it below Prometheus' scrape_timeout (default: ${DEFAULT-VALUE}).")
  String collectionTimeout;

  @Option(names = "--postgres.databases.include", paramLabel = "REGEX",
      description = "Also report tables and indexes of the databases whose name matches (e.g. '.*'); by default only"
          + " the database of the URL. Each one costs one connection.")
  String databaseInclude;

  @Option(names = "--postgres.databases.exclude", paramLabel = "REGEX",
      description = "Never report tables and indexes of the databases whose name matches.")
  String databaseExclude;

  @Option(names = "--collector.pg_stat_statements", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Report pg_stat_statements (default: on; needs the extension in the URL's database).")
  boolean statements;

  @Option(names = "--pg_stat_statements.limit", defaultValue = "100", paramLabel = "N",
      description = "Report the N statements with the most execution time (default: ${DEFAULT-VALUE}).")
  int statementsLimit;

  @Option(names = "--pg_stat_statements.include-query", negatable = true, defaultValue = "false", fallbackValue = "true",
      description = "Also write each statement's text as pg_stat_statements_query_id{queryid,query} (default: off).")
  boolean includeQuery;

  @Option(names = "--pg_stat_statements.query-length", defaultValue = "120", paramLabel = "CHARS",
      description = "Cut statement texts to this many characters (default: ${DEFAULT-VALUE}).")
  int queryLength;

  @Option(names = "--collector.cloudwatch", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Report CloudWatch metrics when --cloudwatch.config.file is set (default: on).")
  boolean cloudwatch;

  @Option(names = "--cloudwatch.config.file", paramLabel = "FILE",
      description = "CloudWatch rules in the YAML format of prometheus/cloudwatch_exporter.")
  Path cloudwatchConfig;

  @Option(names = "--cloudwatch.endpoint", paramLabel = "URL",
      description = "CloudWatch endpoint instead of the region's (a VPC endpoint or a local test server).")
  String cloudwatchEndpoint;

  @Option(names = "--ec2.endpoint", paramLabel = "URL",
      description = "EC2 endpoint for aws_tag_select instead of the region's.")
  String ec2Endpoint;

  @Override
  public Integer call() throws Exception {
    setLogLevel(logLevel);
    ListenAddress address = ListenAddress.parse(listenAddress);
    List<Source> sources = new ArrayList<>();
    if (postgres) {
      sources.add(new PostgresCollector(postgresOptions()));
    }
    if (cloudwatch && cloudwatchConfig != null) {
      sources.add(CloudWatchSource.start(cloudwatchConfig, cloudwatchEndpoint, ec2Endpoint));
    }
    ExporterServer server = ExporterServer.start(address, sources);
    log.info("msg=\"exporter listening\" address={} port={} postgres={} cloudwatch={}",
        listenAddress, server.port(), postgres, cloudwatch && cloudwatchConfig != null);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stopped.countDown();
    }, "shutdown"));
    stopped.await();
    return 0;
  }

  PostgresOptions postgresOptions() {
    Supplier<Optional<String>> url;
    if (dbUrl != null && !dbUrl.isBlank()) {
      String fixed = dbUrl.trim();
      url = () -> Optional.of(fixed);
    } else {
      Path dir = embeddedDir;
      url = () -> EmbeddedDatabase.runningUrl(dir);
    }
    return new PostgresOptions(
        url, dbUser, dbPassword,
        Durations.parse("--postgres.statement-timeout", statementTimeout),
        Durations.parse("--postgres.collection-timeout", collectionTimeout),
        statements, positive("--pg_stat_statements.limit", statementsLimit), includeQuery,
        positive("--pg_stat_statements.query-length", queryLength),
        regex("--postgres.databases.include", databaseInclude),
        regex("--postgres.databases.exclude", databaseExclude));
  }

  private static int positive(String flag, int v) {
    if (v < 1) {
      throw new ConfigException(flag + " must be at least 1, got " + v);
    }
    return v;
  }

  private static Pattern regex(String flag, String v) {
    if (v == null || v.isEmpty()) {
      return null;
    }
    try {
      return Pattern.compile(v);
    } catch (PatternSyntaxException e) {
      throw new ConfigException(flag + " is not a valid regular expression: " + e.getDescription() + " in '" + v + "'");
    }
  }

  private static void setLogLevel(String level) {
    Level l = Level.toLevel(level, null);
    if (l == null) {
      throw new ConfigException("--log.level must be one of debug, info, warn, error; got '" + level + "'");
    }
    var root = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(l);
  }
}
