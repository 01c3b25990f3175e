package io.promledger.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedDatabaseTest {

  @Test
  void aConnectionFileOfADeadProcessIsNotARunningServer(@TempDir Path dir) throws Exception {
    Files.writeString(
        dir.resolve(EmbeddedDatabase.CONNECTION_FILE),
        "jdbc.url=jdbc:postgresql://127.0.0.1:1/postgres\npid=" + Long.MAX_VALUE + "\n");
    assertTrue(EmbeddedDatabase.runningUrl(dir).isEmpty());
    Files.writeString(
        dir.resolve(EmbeddedDatabase.CONNECTION_FILE),
        "jdbc.url=jdbc:postgresql://127.0.0.1:1/postgres\npid=" + ProcessHandle.current().pid() + "\n");
    assertEquals("jdbc:postgresql://127.0.0.1:1/postgres", EmbeddedDatabase.runningUrl(dir).orElseThrow());
  }

  @Test
  void dataSurvivesARestartAndTheConnectionFileTracksTheServer(@TempDir Path dir) throws Exception {
    try (EmbeddedDatabase db = EmbeddedDatabase.start(dir)) {
      assertEquals(db.jdbcUrl(), EmbeddedDatabase.runningUrl(dir).orElseThrow());
      try (Connection c = DriverManager.getConnection(db.jdbcUrl());
          Statement s = c.createStatement()) {
        s.execute("CREATE TABLE kept (v int)");
        s.execute("INSERT INTO kept VALUES (42)");
      }
    }
    assertFalse(Files.exists(dir.resolve(EmbeddedDatabase.CONNECTION_FILE)));
    try (EmbeddedDatabase db = EmbeddedDatabase.start(dir);
        Connection c = DriverManager.getConnection(db.jdbcUrl());
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT v FROM kept")) {
      assertTrue(rs.next());
      assertEquals(42, rs.getInt(1));
      try (ResultSet pss =
          s.executeQuery(
              "SELECT string_agg(name || '=' || setting, ',' ORDER BY name) FROM pg_settings "
                  + "WHERE name IN ('shared_preload_libraries', 'fsync', 'synchronous_commit')")) {
        assertTrue(pss.next());
        assertEquals("fsync=on,shared_preload_libraries=pg_stat_statements,synchronous_commit=on", pss.getString(1));
      }
      try (ResultSet ext = s.executeQuery("SELECT count(*) FROM pg_stat_statements")) {
        assertTrue(ext.next());
        assertTrue(ext.getLong(1) > 0);
      }
    }
  }
}
