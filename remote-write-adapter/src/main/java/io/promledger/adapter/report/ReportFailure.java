package io.promledger.adapter.report;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;

/**
 * Whose fault a database error is, by its SQLState. Data exceptions (class 22: invalid regular
 * expression 2201B, NUL or bad encoding 22021, datetime out of range 22008, ...), syntax and
 * access errors (42) and exceeded program limits (54) come from what the report asked for; a
 * connection failure (08), insufficient resources (53), an operator intervention such as a
 * shutdown or a cancelled statement (57) and a serialization failure or deadlock (40) mean the
 * database is unavailable for now; anything else is a fault of the adapter.
 */
public enum ReportFailure {
  INPUT,
  UNAVAILABLE,
  INTERNAL;

  public static ReportFailure of(SQLException e) {
    String state = sqlState(e);
    if (state == null) {
      return e instanceof SQLTransientException || e instanceof SQLRecoverableException ? UNAVAILABLE : INTERNAL;
    }
    return switch (state.length() < 2 ? state : state.substring(0, 2)) {
      case "22", "42", "54" -> INPUT;
      case "08", "53", "57", "40" -> UNAVAILABLE;
      default -> e instanceof SQLTransientException || e instanceof SQLRecoverableException ? UNAVAILABLE : INTERNAL;
    };
  }

  /** The first SQLState along the causes, or null. */
  static String sqlState(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SQLException s && s.getSQLState() != null) {
        return s.getSQLState();
      }
    }
    return null;
  }

  /** The first line of a message, for a one-line answer. */
  public static String oneLine(Throwable e) {
    String m = e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m.lines().findFirst().orElse("").strip();
  }
}
