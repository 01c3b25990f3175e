package io.promledger.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

class ExporterMainTest {
  @TempDir Path dir;

  @Test
  void defaults() {
    ExporterCommand c = parse(Map.of());
    assertEquals(":9188", c.listenAddress);
    assertEquals(new ListenAddress("0.0.0.0", 9188), ListenAddress.parse(c.listenAddress));
    assertEquals(Path.of("promledger-data"), c.embeddedDir);
    assertNull(c.dbUrl);
    assertTrue(c.postgres);
    assertTrue(c.statements);
    assertTrue(c.cloudwatch);
    assertFalse(c.includeQuery);
    assertEquals(100, c.statementsLimit);
  }

  @Test
  void commandLineBeatsEnvironmentWhichBeatsTheFile() throws IOException {
    Path file = dir.resolve("exporter.yml");
    Files.writeString(file, """
        web.listen-address: 127.0.0.1:9300
        db:
          url: jdbc:postgresql://file/db
        collector.pg_stat_statements: false
        pg_stat_statements:
          limit: 7
        log.level: debug
        """);
    Map<String, String> env = Map.of("PROMLEDGER_EXPORTER_DB_URL", "jdbc:postgresql://env/db",
        "PROMLEDGER_EXPORTER_COLLECTOR_CLOUDWATCH", "false");
    ExporterCommand c = parse(env, "--config.file", file.toString(), "--log.level=warn");
    assertEquals("127.0.0.1:9300", c.listenAddress);
    assertEquals("jdbc:postgresql://env/db", c.dbUrl);
    assertFalse(c.statements);
    assertFalse(c.cloudwatch);
    assertEquals(7, c.statementsLimit);
    assertEquals("warn", c.logLevel);
    assertEquals("jdbc:postgresql://cli/db", parse(env, "--config.file", file.toString(), "--db.url", "jdbc:postgresql://cli/db").dbUrl);
    assertFalse(parse(Map.of(), "--no-collector.postgres").postgres);
  }

  @Test
  void everyFlagHasAnEnvironmentVariableAndAFileKey() {
    CommandLine cli = ExporterMain.commandLine(new String[0], Map.of());
    for (OptionSpec o : cli.getCommandSpec().options()) {
      if (o.longestName().equals("--help") || o.longestName().equals("--version")) {
        continue;
      }
      assertTrue(o.description().length > 0 && !o.description()[0].isBlank(), o.longestName() + " has no help");
      String key = ConfigFile.key(o);
      assertEquals("--" + key, o.longestName());
      assertTrue(ConfigFile.envName(key).matches("PROMLEDGER_EXPORTER_[A-Z0-9_]+"), ConfigFile.envName(key));
    }
    assertEquals("PROMLEDGER_EXPORTER_WEB_LISTEN_ADDRESS", ConfigFile.envName("web.listen-address"));
    assertEquals("PROMLEDGER_EXPORTER_PG_STAT_STATEMENTS_LIMIT", ConfigFile.envName("pg_stat_statements.limit"));
    String usage = cli.getUsageMessage();
    for (String flag : new String[] {"--web.listen-address", "--config.file", "--db.url", "--log.level",
        "--[no-]collector.postgres", "--[no-]collector.pg_stat_statements", "--[no-]collector.cloudwatch",
        "--cloudwatch.config.file", "--storage.embedded.dir"}) {
      assertTrue(usage.contains(flag), flag + " missing from --help:\n" + usage);
    }
  }

  @Test
  void mistakesGiveOneClearLine() throws IOException {
    Path file = dir.resolve("typo.yml");
    Files.writeString(file, "db.ulr: x\n");
    ConfigException e = assertThrows(ConfigException.class,
        () -> ExporterMain.commandLine(new String[] {"--config.file", file.toString()}, Map.of()));
    assertTrue(e.getMessage().startsWith("unknown key 'db.ulr' in " + file + "; known keys: "), e.getMessage());
    assertEquals("--web.listen-address has no valid port: 'localhost:http'",
        assertThrows(ConfigException.class, () -> ListenAddress.parse("localhost:http")).getMessage());
    assertEquals("--postgres.statement-timeout must be a duration such as 500ms, 2s or 1m; got '2 seconds'",
        assertThrows(ConfigException.class, () -> Durations.parse("--postgres.statement-timeout", "2 seconds")).getMessage());
    assertEquals(2, ExporterMain.run(new String[] {"--log.level", "loud"}, Map.of()));
  }

  private static ExporterCommand parse(Map<String, String> env, String... args) {
    CommandLine cli = ExporterMain.commandLine(args, env);
    cli.parseArgs(args);
    return cli.getCommand();
  }
}
