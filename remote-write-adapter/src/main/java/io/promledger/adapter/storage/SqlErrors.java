package io.promledger.adapter.storage;

import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.sql.SQLRecoverableException;

/**
 * Sorts database errors into those a retry can cure (answered 503, so Prometheus retries) and
 * those caused by the data itself (isolated to their series and answered 400, never retried).
 */
public final class SqlErrors {
  private SqlErrors() {}

  public static boolean isTransient(SQLException e) {
    if (e instanceof SQLTransientException || e instanceof SQLRecoverableException) {
      return true; // includes HikariCP's pool timeout
    }
    String state = e.getSQLState();
    if (state == null) {
      return true; // I/O failure below the protocol
    }
    return state.startsWith("08") // connection exception
        || state.startsWith("53") // insufficient resources: disk full, out of memory, too many connections
        || state.startsWith("57") // operator intervention: shutdown, statement timeout, cannot connect now
        || state.startsWith("58") // system error (I/O)
        || state.equals("40001") // serialization failure
        || state.equals("40P01") // deadlock
        || state.equals("55P03") // lock not available
        || state.startsWith("XX"); // internal error: do not blame the data
  }

  /** Unique violation: a sample at a stored (series, timestamp). */
  public static boolean isUniqueViolation(SQLException e) {
    return "23505".equals(e.getSQLState());
  }

  /** No partition of samples covers a row. */
  /** A relation that does not exist, such as a day partition not yet created or already dropped. */
  public static boolean isUndefinedTable(SQLException e) {
    return "42P01".equals(e.getSQLState());
  }

  public static boolean isMissingPartition(SQLException e) {
    return "23514".equals(e.getSQLState()) && String.valueOf(e.getMessage()).contains("no partition");
  }

  /** The first line of the server's message. */
  public static String brief(SQLException e) {
    String m = e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m.lines().findFirst().orElse(m);
  }
}
