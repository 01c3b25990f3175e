package io.promledger.adapter.config;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the data lives: an external PostgreSQL, or the embedded one when no URL is given. */
public final class DatabaseOptions {
  @Option(
      names = "--db.url",
      paramLabel = "URL",
      description =
          "JDBC URL of the PostgreSQL server, e.g. jdbc:postgresql://db:5432/usage. "
              + "Without it an embedded PostgreSQL is started (see --storage.embedded.dir).")
  public String url;

  @Option(names = "--db.user", paramLabel = "USER", description = "Database user (may also be in the URL).")
  public String user;

  @Option(
      names = "--db.password",
      paramLabel = "PASSWORD",
      description = "Database password; prefer the environment variable PROMLEDGER_DB_PASSWORD.")
  public String password;

  @Option(
      names = "--db.schema",
      paramLabel = "NAME",
      defaultValue = "promledger",
      description = "Schema that holds all promledger tables and views (default: ${DEFAULT-VALUE}).")
  public String schema;

  @Option(
      names = "--db.pool-size",
      paramLabel = "N",
      defaultValue = "8",
      description = "Maximum connections to PostgreSQL (default: ${DEFAULT-VALUE}).")
  public int poolSize;

  @Option(
      names = "--db.connect-timeout",
      paramLabel = "DURATION",
      defaultValue = "5s",
      converter = PromDuration.Converter.class,
      description = "How long to wait for a pooled connection before answering 503 (default: ${DEFAULT-VALUE}).")
  public java.time.Duration connectTimeout;

  @Option(
      names = "--storage.embedded.dir",
      paramLabel = "DIR",
      defaultValue = "promledger-data",
      description =
          "Data directory of the embedded PostgreSQL used when --db.url is not set; "
              + "it survives restarts (default: ${DEFAULT-VALUE}).")
  public Path embeddedDir;
}
