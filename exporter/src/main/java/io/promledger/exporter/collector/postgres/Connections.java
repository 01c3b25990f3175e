package io.promledger.exporter.collector.postgres;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The exporter's own connections: one to the database of the URL and one to each other database
 * whose tables are reported. They are kept between scrapes, used by one scrape at a time, and every
 * statement on them is bounded by {@code statement_timeout} and {@code lock_timeout}, so a slow or
 * locked server costs at most this many backends, never a growing pile.
 */
final class Connections implements AutoCloseable {
  private static final Pattern URL_DATABASE = Pattern.compile("^(jdbc:postgresql://[^/?]*/)([^?]*)(.*)$");

  private final PostgresOptions options;
  private String url;
  private final Map<String, Connection> byDatabase = new HashMap<>();
  private Connection main;

  Connections(PostgresOptions options) {
    this.options = options;
  }

  /** The connection to the URL's database, opened (or reopened on a new URL) when needed. */
  Connection main(String currentUrl) throws SQLException {
    if (!currentUrl.equals(url)) {
      close();
      url = currentUrl;
    }
    if (main == null || main.isClosed()) {
      main = open(url);
    }
    return main;
  }

  /** A connection to another database of the same server. */
  Connection forDatabase(String datname) throws SQLException {
    Connection c = byDatabase.get(datname);
    if (c == null || c.isClosed()) {
      c = open(urlForDatabase(url, datname));
      byDatabase.put(datname, c);
    }
    return c;
  }

  /** Closes the connections to databases that are no longer reported. */
  void retain(Set<String> datnames) {
    for (Iterator<Map.Entry<String, Connection>> it = byDatabase.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Connection> e = it.next();
      if (!datnames.contains(e.getKey())) {
        closeQuietly(e.getValue());
        it.remove();
      }
    }
  }

  /** Drops a connection that failed in a way that may have broken it; the next use reopens it. */
  void discardIfBroken(Connection c) {
    try {
      if (c.isValid(1)) {
        return;
      }
    } catch (SQLException ignored) {
      // treat as broken
    }
    closeQuietly(c);
    if (c == main) {
      main = null;
    }
    byDatabase.values().remove(c);
  }

  int statementTimeoutSeconds() {
    return (int) Math.max(1, (options.statementTimeout().toMillis() + 999) / 1000);
  }

  private Connection open(String jdbcUrl) throws SQLException {
    long statementMs = options.statementTimeout().toMillis();
    Properties p = new Properties();
    if (options.user() != null && !options.user().isEmpty()) {
      p.setProperty("user", options.user());
    }
    if (options.password() != null && !options.password().isEmpty()) {
      p.setProperty("password", options.password());
    }
    p.setProperty("ApplicationName", "promledger-exporter");
    p.setProperty("connectTimeout", Integer.toString(statementTimeoutSeconds()));
    // A dead network must not hang a scrape past its deadline either.
    p.setProperty("socketTimeout", Integer.toString(statementTimeoutSeconds() * 2 + 1));
    p.setProperty(
        "options",
        "-c statement_timeout=" + statementMs + " -c lock_timeout=" + Math.max(1, statementMs / 2)
            + " -c default_transaction_read_only=on");
    Connection c = DriverManager.getConnection(jdbcUrl, p);
    c.setAutoCommit(true);
    return c;
  }

  static String urlForDatabase(String jdbcUrl, String datname) {
    Matcher m = URL_DATABASE.matcher(jdbcUrl);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a jdbc:postgresql://host/database URL: " + jdbcUrl);
    }
    return m.group(1) + java.net.URLEncoder.encode(datname, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20") + m.group(3);
  }

  @Override
  public void close() {
    if (main != null) {
      closeQuietly(main);
      main = null;
    }
    byDatabase.values().forEach(Connections::closeQuietly);
    byDatabase.clear();
  }

  private static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException ignored) {
      // already gone
    }
  }
}
