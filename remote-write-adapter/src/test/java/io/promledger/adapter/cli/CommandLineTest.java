package io.promledger.adapter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a user sees for bad input: one line that says what is wrong, and an exit code. */
class CommandLineTest {
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private PrintStream oldErr;
  private PrintStream oldOut;

  @BeforeEach
  void capture() {
    oldErr = System.err;
    oldOut = System.out;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restore() {
    System.setErr(oldErr);
    System.setOut(oldOut);
  }

  private String errors() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void unknownConfigKeysFailAtStart(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("adapter.yml");
    Files.writeString(file, "db:\n  url: jdbc:postgresql://127.0.0.1:1/x\n  pool-sise: 4\n");
    assertEquals(2, Main.run(new String[] {"--config.file=" + file}, Map.of()));
    assertTrue(errors().startsWith("error: unknown key 'db.pool-sise' in " + file + " (known keys: "), errors());
    assertEquals(1, errors().lines().count());
  }

  @Test
  void badValuesFailWithOneLine() {
    assertEquals(2, Main.run(new String[] {"serve", "--retention.raw=7 days"}, Map.of()));
    assertTrue(errors().startsWith("error: Invalid value for option '--retention.raw'"), errors());
    err.reset();
    assertEquals(2, Main.run(new String[] {"--web.listen-address=9201"}, Map.of()));
    assertTrue(errors().contains("--web.listen-address must be host:port or :port"), errors());
  }

  @Test
  void theEnvironmentSetsFlags(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("adapter.yml");
    Files.writeString(file, "db.url: jdbc:postgresql://127.0.0.1:1/from-file\n");
    int code = Main.run(new String[] {"migrate", "--config.file=" + file, "--db.connect-timeout=1s"},
        Map.of("PROMLEDGER_DB_URL", "jdbc:mysql://nope"));
    assertEquals(1, code);
    assertEquals("error: --db.url must be a PostgreSQL JDBC URL such as jdbc:postgresql://host:5432/db, got 'jdbc:mysql://nope'\n",
        errors());
  }

  @Test
  void anUnreachableDatabaseIsOneLine() {
    int code = Main.run(new String[] {"migrate", "--db.url=jdbc:postgresql://127.0.0.1:1/usage", "--db.connect-timeout=1s"}, Map.of());
    assertEquals(1, code);
    assertEquals("error: cannot reach PostgreSQL at jdbc:postgresql://127.0.0.1:1/usage; check --db.url and that the server is running\n",
        errors());
  }

  @Test
  void helpExplainsEveryFlag() {
    assertEquals(0, Main.run(new String[] {"serve", "--help"}, Map.of()));
    String help = out.toString(StandardCharsets.UTF_8);
    for (String flag : new String[] {"--web.listen-address", "--db.url", "--storage.embedded.dir", "--retention.raw",
        "--ingest.queue-samples", "--limits.max-label-value-length", "--ha.replica-label", "--config.file", "--log.level"}) {
      assertTrue(help.contains(flag), flag + " missing from --help");
    }
  }
}
