package io.promledger.adapter.storage;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.promledger.adapter.config.DatabaseOptions;
import io.promledger.embedded.EmbeddedDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection pool, the schema migrations and, when no URL is configured, the embedded server.
 * Every pooled connection has {@code search_path} set to the promledger schema.
 */
public final class Database implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Database.class);

  private final HikariDataSource pool;
  private final EmbeddedDatabase embedded;
  private final String schema;
  private final String displayUrl;

  private Database(HikariDataSource pool, EmbeddedDatabase embedded, String schema, String displayUrl) {
    this.pool = pool;
    this.embedded = embedded;
    this.schema = schema;
    this.displayUrl = displayUrl;
  }

  /**
   * Opens the pool (starting the embedded server first when {@code options.url} is empty). The
   * pool starts even when the server is unreachable, so that the adapter can answer 503 and
   * recover on its own once the database is back.
   */
  public static Database open(DatabaseOptions options) {
    EmbeddedDatabase embedded = null;
    String url = options.url;
    if (url == null || url.isBlank()) {
      // Another promledger process may already run the embedded server in this directory
      // (e.g. 'report' next to a running 'serve'): share it rather than start a second one.
      url = EmbeddedDatabase.runningUrl(options.embeddedDir).orElse(null);
      if (url == null) {
        embedded = EmbeddedDatabase.start(options.embeddedDir);
        url = embedded.jdbcUrl();
      }
    } else if (!url.startsWith("jdbc:postgresql:")) {
      throw new StorageException(
          "--db.url must be a PostgreSQL JDBC URL such as jdbc:postgresql://host:5432/db, got '" + url + "'");
    }
    if (!options.schema.matches("[a-z_][a-z0-9_]{0,62}")) {
      throw new StorageException("--db.schema must be a lower-case SQL name, got '" + options.schema + "'");
    }
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    if (options.user != null) {
      config.setUsername(options.user);
    }
    if (options.password != null) {
      config.setPassword(options.password);
    }
    config.setPoolName("promledger");
    config.setMaximumPoolSize(options.poolSize);
    config.setMinimumIdle(Math.min(2, options.poolSize));
    config.setConnectionTimeout(Math.max(250, options.connectTimeout.toMillis()));
    config.setValidationTimeout(Math.max(250, Math.min(options.connectTimeout.toMillis(), 3000)));
    // Start without a database; requests get 503 until it is reachable.
    config.setInitializationFailTimeout(-1);
    config.addDataSourceProperty("currentSchema", options.schema + ",public");
    config.addDataSourceProperty("ApplicationName", "promledger");
    config.addDataSourceProperty("tcpKeepAlive", "true");
    config.addDataSourceProperty("connectTimeout", String.valueOf(Math.max(1, options.connectTimeout.toSeconds())));
    config.addDataSourceProperty("socketTimeout", "120");
    config.setConnectionInitSql("SET TIME ZONE 'UTC'");
    HikariDataSource pool = new HikariDataSource(config);
    return new Database(pool, embedded, options.schema, redact(url));
  }

  /** Applies every pending migration; safe to run from several replicas at once. */
  public MigrateResult migrate() {
    Flyway flyway =
        Flyway.configure()
            .dataSource(pool)
            .schemas(schema)
            .defaultSchema(schema)
            .locations("classpath:db/migration")
            .createSchemas(true)
            .load();
    MigrateResult result = flyway.migrate();
    log.info(
        "msg=\"schema migrated\" schema={} applied={} version={}",
        schema,
        result.migrationsExecuted,
        result.targetSchemaVersion == null ? flyway.info().current().getVersion() : result.targetSchemaVersion);
    return result;
  }

  /**
   * Creates daily sample partitions from {@code back} days ago to {@code ahead} days ahead (UTC).
   *
   * @return the number of partitions created
   */
  public int ensurePartitions(int back, int ahead) throws SQLException {
    return ensurePartitions(LocalDate.now(ZoneOffset.UTC).minusDays(back), back + ahead + 1);
  }

  /** Creates the daily sample partitions of [from, from + days) that do not exist yet. */
  public int ensurePartitions(LocalDate from, int days) throws SQLException {
    try (Connection c = pool.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT ensure_sample_partitions(?, ?)")) {
      c.setAutoCommit(true);
      ps.setObject(1, from);
      ps.setInt(2, days);
      try (var rs = ps.executeQuery()) {
        rs.next();
        int created = rs.getInt(1);
        if (created > 0) {
          log.info("msg=\"sample partitions created\" count={} from={} days={}", created, from, days);
        }
        return created;
      }
    }
  }

  public DataSource dataSource() {
    return pool;
  }

  public HikariDataSource pool() {
    return pool;
  }

  public String schema() {
    return schema;
  }

  /** The URL without credentials, for logs. */
  public String displayUrl() {
    return displayUrl;
  }

  public boolean isEmbedded() {
    return embedded != null;
  }

  public EmbeddedDatabase embedded() {
    return embedded;
  }

  /** True when a connection can be had and answers a query within the validation timeout. */
  public boolean isReachable() {
    try (Connection c = pool.getConnection()) {
      return c.isValid(2);
    } catch (SQLException e) {
      return false;
    }
  }

  static String redact(String url) {
    return url.replaceAll("(?i)(password=)[^&]*", "$1***");
  }

  @Override
  public void close() {
    pool.close();
    if (embedded != null) {
      embedded.close();
    }
  }
}
